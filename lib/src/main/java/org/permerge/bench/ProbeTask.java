package org.permerge.bench;

import org.permerge.checkpoint.ModelHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.ModelHash;

/**
 * One task ready to probe: its {@link TaskSpec} and the manifest view whose clips carry this task's split
 * (train / dev / test) and label. Classes are the labels seen in training, sorted; a dev or test clip with a
 * label never seen in training counts as wrong.
 */
public final class ProbeTask {
    private static final Set<String> DEV_NAMES = Set.of("dev", "valid", "validation");

    private final TaskSpec spec;
    private final List<Manifest.Clip> train = new ArrayList<>();
    private final List<Manifest.Clip> dev = new ArrayList<>();
    private final List<Manifest.Clip> test = new ArrayList<>();
    private final List<String> classes;

    private ProbeTask(TaskSpec spec, Manifest view) {
        this.spec = spec;
        for (Manifest.Clip c : view.clips()) {
            if (!c.labels().containsKey(spec.labelKey())) continue;
            String s = c.split() == null ? "" : c.split();
            if (s.equals("train")) train.add(c);
            else if (DEV_NAMES.contains(s)) dev.add(c);
            else if (s.equals("test")) test.add(c);
        }
        if (train.isEmpty() || dev.isEmpty() || test.isEmpty()) {
            throw new IllegalArgumentException("task " + spec.name() + " (label '" + spec.labelKey() + "'): " + train.size()
                    + " train, " + dev.size() + " dev, " + test.size() + " test clips; a probe needs all three splits");
        }
        Set<String> seen = new TreeSet<>();
        for (Manifest.Clip c : train) seen.add(c.labels().get(spec.labelKey()));
        if (seen.size() < 2) throw new IllegalArgumentException("task " + spec.name() + ": only " + seen + " in training; need ≥ 2 classes");
        classes = List.copyOf(seen);
    }

    /**
     * The task over a manifest: if the manifest has per-task splits for {@code spec.name()} they are used,
     * otherwise each clip's own split.
     */
    public static ProbeTask of(TaskSpec spec, Manifest manifest) {
        Manifest view = manifest.tasks().contains(spec.name()) ? manifest.task(spec.name()) : manifest;
        return new ProbeTask(spec, view);
    }

    /**
     * The task with each split cut to at most {@code maxPerSplit} clips (0 = no limit). Clips are ranked by a
     * seeded hash of their id and the lowest ranks kept, the same ranking for every task and split, so tasks
     * over one corpus keep overlapping clips and a study extracts features for as few clips as possible. Fewer
     * clips run faster but widen the intervals.
     */
    public static ProbeTask of(TaskSpec spec, Manifest manifest, int maxPerSplit, long seed) {
        return of(spec, manifest, SplitCaps.each(Math.max(0, maxPerSplit)), seed);
    }

    /** The task with each split cut to its own cap (0 = no limit), ranked as {@link #of(TaskSpec, Manifest, int, long)} ranks. */
    public static ProbeTask of(TaskSpec spec, Manifest manifest, SplitCaps caps, long seed) {
        ProbeTask t = of(spec, manifest);
        if (caps.equals(SplitCaps.all())) return t;
        cap(t.train, caps.train(), seed);
        cap(t.dev, caps.dev(), seed);
        cap(t.test, caps.test(), seed);
        return new ProbeTask(spec, Manifest.of(manifest.header(), t.clips(), manifest.audioRoot()));
    }

    private static void cap(List<Manifest.Clip> clips, int max, long seed) {
        if (max <= 0 || clips.size() <= max) return;
        List<Manifest.Clip> keep = new ArrayList<>(clips);
        keep.sort(java.util.Comparator.comparing((Manifest.Clip c) -> ModelHash.combine(Long.toString(seed), c.id())));
        keep = new ArrayList<>(keep.subList(0, max));
        keep.sort(java.util.Comparator.comparing(Manifest.Clip::id));
        clips.clear();
        clips.addAll(keep);
    }

    public TaskSpec spec() {
        return spec;
    }

    public List<String> classes() {
        return classes;
    }

    public List<Manifest.Clip> train() {
        return List.copyOf(train);
    }

    public List<Manifest.Clip> dev() {
        return List.copyOf(dev);
    }

    public List<Manifest.Clip> test() {
        return List.copyOf(test);
    }

    /** Every clip of the task (train, dev, test). */
    public List<Manifest.Clip> clips() {
        List<Manifest.Clip> all = new ArrayList<>(train);
        all.addAll(dev);
        all.addAll(test);
        return all;
    }

    /** The union of several tasks' clips by id, first occurrence first: what one feature pass must cover. */
    public static List<Manifest.Clip> union(Collection<ProbeTask> tasks) {
        Map<String, Manifest.Clip> byId = new LinkedHashMap<>();
        for (ProbeTask t : tasks) for (Manifest.Clip c : t.clips()) byId.putIfAbsent(c.id(), c);
        return new ArrayList<>(byId.values());
    }

    /**
     * Trains a probe on the train clips' features (early stopping on dev) and scores it on the test clips.
     *
     * @param features pooled features covering at least this task's clips (looked up by clip id)
     */
    public TaskOutcome evaluate(LayerFeatures features, ProbeConfig config) {
        return evaluateWithProbe(features, config).outcome();
    }

    /** The outcome together with the trained probe (for its layer weights). */
    public Result evaluateWithProbe(LayerFeatures features, ProbeConfig config) {
        Map<String, Integer> index = features.index();
        TrainedProbe probe = Probe.train(rows(features, index, train), labels(train), rows(features, index, dev), labels(dev),
                classes.size(), config);
        int[] predicted = probe.predict(rows(features, index, test));
        int[] truth = labels(test);
        String[] ids = test.stream().map(Manifest.Clip::id).toArray(String[]::new);
        return new Result(TaskOutcome.ofPredictions(spec, ids, predicted, truth), probe);
    }

    /**
     * A probe's test outcome and the probe itself.
     *
     * @param outcome per-clip test results
     * @param probe   the trained probe
     */
    public record Result(TaskOutcome outcome, TrainedProbe probe) {}

    private LayerFeatures rows(LayerFeatures f, Map<String, Integer> index, List<Manifest.Clip> clips) {
        int[] rows = new int[clips.size()];
        for (int i = 0; i < rows.length; i++) {
            Integer r = index.get(clips.get(i).id());
            if (r == null) throw new IllegalArgumentException("task " + spec.name() + ": no features for clip " + clips.get(i).id());
            rows[i] = r;
        }
        return f.select(rows);
    }

    private int[] labels(List<Manifest.Clip> clips) {
        int[] y = new int[clips.size()];
        for (int i = 0; i < y.length; i++) {
            // binarySearch on the sorted class list; unseen labels map to −1 (never predicted, always wrong)
            int k = java.util.Collections.binarySearch(classes, clips.get(i).labels().get(spec.labelKey()));
            y[i] = k >= 0 ? k : -1;
        }
        return y;
    }
}
