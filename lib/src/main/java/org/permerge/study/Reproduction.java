package org.permerge.study;

import org.permerge.checkpoint.ModelHash;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;
import org.permerge.audio.Manifest;
import org.permerge.bench.Domain;
import org.permerge.bench.FbankFeatures;
import org.permerge.bench.FeatureCache;
import org.permerge.bench.Interval;
import org.permerge.bench.LayerFeatures;
import org.permerge.checkpoint.ModelHash;
import org.permerge.checkpoint.Provenance;
import org.permerge.bench.PairedBootstrap;
import org.permerge.bench.Pooling;
import org.permerge.bench.ProbeConfig;
import org.permerge.bench.SplitCaps;
import org.permerge.bench.ProbeFeatures;
import org.permerge.bench.ProbeTask;
import org.permerge.bench.ScoreTable;
import org.permerge.bench.TaskOutcome;
import org.permerge.bench.TaskSpec;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.match.Alignment;
import org.permerge.merge.CalibrationAudio;
import org.permerge.merge.Lambda;
import org.permerge.merge.ModelMerge;
import org.permerge.match.MergeRecipe;
import org.permerge.merge.Repair;
import org.permerge.model.HubertEncoder;

/**
 * The whole study in one call ({@code ./permerge reproduce}): corpora → calibration statistics of A and B →
 * matching per recipe → merges (recipes at the main λ, the λ sweep with and without REPAIR) → probes for A, B,
 * every merge and the log-mel baseline → the results folder. Pooled features are cached by weight content, so
 * a merge equal to an earlier model (λ = 1 of any recipe is A) is not extracted twice.
 */
public final class Reproduction {
    /** Row name of the log-mel baseline. */
    public static final String FBANK = "fbank (log-mel)";

    /**
     * What a run produced.
     *
     * @param out          the results folder
     * @param table        the scores
     * @param sweep        every merged model
     * @param diagnostics  per recipe and space: moved fraction and matched correlation
     * @param checks       the identity checks and whether each held
     * @param provenance   what was recorded in provenance.json
     * @param elapsed      wall time
     * @param pairs        every pair's results, in the preset's order
     * @param summary      what summary.json holds
     */
    public record Result(Path out, ScoreTable table, List<SweepPoint> sweep, List<SpaceDiagnostics> diagnostics,
                         Map<String, Boolean> checks, Map<String, Object> provenance, Duration elapsed, List<PairResult> pairs,
                         StudySummary summary) {
        /** Whether every identity check of every pair held. */
        public boolean checksPassed() {
            return pairs.stream().allMatch(p -> p.checks().values().stream().allMatch(Boolean::booleanValue));
        }
    }

    /**
     * What one pair produced (the fields of {@link Result} are the first pair's).
     *
     * @param pair        the pair
     * @param out         its results folder (the run's folder for a single pair, else a sub-folder named after it)
     * @param table       its scores, every row on the λ sweep's clips
     * @param comparisonTable the baselines and the rows the pre-registered comparisons use, on their large sets (the
     *                    same table as {@code table} when the preset sets no {@code comparison_clips})
     * @param sweep       its merged models
     * @param diagnostics per recipe and space: moved fraction and matched correlation
     * @param checks      its identity checks
     * @param provenance  what was recorded in its provenance.json
     * @param summary     its part of summary.json
     */
    public record PairResult(StudyConfig.Pair pair, Path out, ScoreTable table, ScoreTable comparisonTable, List<SweepPoint> sweep, List<SpaceDiagnostics> diagnostics,
                             Map<String, Boolean> checks, Map<String, Object> provenance, StudySummary.PairSummary summary) {}

    private Reproduction() {}

    /** Runs the study described by {@code config}; paths in it are relative to {@code project}. */
    public static Result run(StudyConfig config, Path project, Path out) {
        boolean pytorch = "PyTorch".equals(ai.djl.engine.Engine.getInstance().getEngineName());
        int before = pytorch ? ai.djl.pytorch.jni.JniUtils.getNumThreads() : 0;
        try {
            if (config.threads() > 0 && pytorch) {
                // Small encoders gain nothing from a thread pool, and on a shared machine OpenMP's spinning workers
                // made extraction ~13x slower here (20.3 s vs 1.5 s for 64 clips of the tiny fixture).
                ai.djl.pytorch.jni.JniUtils.setNumThreads(config.threads());
            }
            return runStudy(config, project, out);
        } finally {
            if (pytorch) ai.djl.pytorch.jni.JniUtils.setNumThreads(before);
        }
    }

    private static Result runStudy(StudyConfig config, Path project, Path out) {
        Instant t0 = Instant.now();
        List<PairResult> pairs = new ArrayList<>();
        for (StudyConfig.Pair p : config.pairs()) {
            Path folder = config.pairs().size() == 1 ? out : out.resolve(p.name());
            pairs.add(runPair(config.forPair(p), project, folder, p));
        }
        StudySummary summary = new StudySummary(config.name(), pairs.stream().map(PairResult::summary).toList());
        summary.write(out);
        PairResult first = pairs.get(0);
        return new Result(out, first.table(), first.sweep(), first.diagnostics(), first.checks(), first.provenance(),
                Duration.between(t0, Instant.now()), List.copyOf(pairs), summary);
    }

    private static PairResult runPair(StudyConfig config, Path project, Path out, StudyConfig.Pair pair) {
        // The run's common record (command, version, commit, start, models, data, seed) and the study's own entries.
        Provenance run = Provenance.start("./permerge reproduce --preset " + config.name() + " --threads " + config.threads(), project)
                .withThreads(config.threads()).withSeed("study", config.seed());
        Map<String, Object> prov = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        prov.put("preset", config.name());
        prov.put("config", com.google.gson.JsonParser.parseString(config.toJson()));
        prov.put("pair", Map.of("name", pair.name(), "shared_init", pair.sharedInit()));

        Instant t = Instant.now();
        StudyInputs inputs = StudyInputs.prepare(config, project);
        EncoderCheckpoint a = inputs.modelA();
        EncoderCheckpoint b = inputs.modelB();
        prov.put("model_a", describe(config.modelA(), a));
        prov.put("model_b", describe(config.modelB(), b));
        run = run.withModel("A", config.modelA().path(), a.inferenceHash()).withModel("B", config.modelB().path(), b.inferenceHash())
                .withPrecision(Provenance.precisionOf(a.weights()));
        Manifest speech = inputs.speech();
        Manifest music = inputs.music();
        prov.put("corpora", Map.of("speech", Map.of("manifest_sha256", speech.checksum(), "clips", speech.size()),
                "music", Map.of("manifest_sha256", music.checksum(), "clips", music.size())));
        seconds.put("models_and_corpora", since(t));

        // Calibration: clips of both domains shuffled together, as the paper does (statistics cached by content).
        t = Instant.now();
        List<Manifest.Clip> calibration = inputs.calibration().clips();
        AlignmentStatistics stats = inputs.statistics();
        stats.save(out.resolve("calibration-statistics.safetensors"));
        // the draw as a manifest: `permerge stats|merge --calibration <out>/calibration.jsonl` re-runs any step by hand
        inputs.writeCalibration(out.resolve("calibration.jsonl"));
        prov.put("calibration_manifest_sha256", inputs.calibration().checksum());
        run = run.withData("speech", "corpus at " + speech.audioRoot(), speech.checksum())
                .withData("music", "corpus at " + music.audioRoot(), music.checksum())
                .withData("calibration", out.resolve("calibration.jsonl").toString(), inputs.calibration().checksum());
        prov.put("calibration_clips", calibration.size());
        prov.put("calibration_frames", stats.framesPerSpace());
        seconds.put("calibration", since(t));

        // Matching per recipe.
        t = Instant.now();
        // Each recipe is solved once here; every merge of the sweep reuses its alignment.
        Map<MergeRecipe, Alignment> alignments = new LinkedHashMap<>();
        List<SpaceDiagnostics> diagnostics = new ArrayList<>();
        for (MergeRecipe r : config.mergeRecipes()) {
            Alignment al = Alignment.solve(stats, r);
            alignments.put(r, al);
            for (Alignment.SpaceMatch m : al.matches()) {
                if (m.permuted()) {
                    diagnostics.add(new SpaceDiagnostics(r.label(), m.space(), m.movedFraction(), m.meanCorrelationBefore(), m.meanCorrelationAfter()));
                }
            }
        }
        // Table II for every space comes from the cnn+all alignment, which permutes them all.
        Alignment full = alignments.containsKey(MergeRecipe.CNN_ALL) ? alignments.get(MergeRecipe.CNN_ALL) : Alignment.solve(stats, MergeRecipe.CNN_ALL);
        List<StudySummary.SpaceRow> tableIi = new ArrayList<>();
        for (Alignment.SpaceMatch m : full.matches()) {
            tableIi.add(new StudySummary.SpaceRow(m.space(), m.units(), m.movedFraction(), m.meanCorrelationBefore(), m.meanCorrelationAfter()));
        }
        seconds.put("matching", since(t));

        // Tasks and the models to probe: the λ sweep on small sets; the baselines and the rows a pre-registered
        // comparison uses on large ones (the small sets lie inside the large, so those rows' features serve both).
        List<ProbeTask> tasks = new ArrayList<>();
        List<ProbeTask> comparisonTasks = new ArrayList<>();
        List<String> taskManifests = new ArrayList<>(List.of(speech.checksum(), music.checksum()));
        for (StudyConfig.TaskEntry e : config.tasks()) {
            Manifest source = e.manifest() != null ? Manifest.read(StudyInputs.resolve(project, e.manifest()))
                    : e.domain() == Domain.SPEECH ? speech : music;
            if (e.manifest() != null) taskManifests.add(source.checksum());
            tasks.add(ProbeTask.of(e.spec(), source, config.maxClipsPerSplit(), config.seed()));
            comparisonTasks.add(ProbeTask.of(e.spec(), source, config.comparisonCaps(), config.seed()));
        }
        boolean tiered = !ProbeTask.union(comparisonTasks).equals(ProbeTask.union(tasks));
        Set<String> large = new LinkedHashSet<>(List.of(FBANK, config.modelA().label(), config.modelB().label()));
        large.addAll(config.comparisonRows());
        ProbeSet small = ProbeSet.of(tasks, taskManifests, config.pooling());
        ProbeSet big = tiered ? ProbeSet.of(comparisonTasks, taskManifests, config.pooling()) : small;
        FeatureCache cache = FeatureCache.inProject(project);
        prov.put("evaluation", Map.of("pooling", config.pooling().label(),
                "sweep_clips", Map.of("caps", SplitCaps.each(Math.max(0, config.maxClipsPerSplit())).toString(), "clips", small.clips().size()),
                "comparison_clips", Map.of("caps", config.comparisonCaps().toString(), "clips", big.clips().size(), "rows", List.copyOf(large))));

        Scoring sweepScores = new Scoring(tasks, config);
        Scoring comparisonScores = tiered ? new Scoring(comparisonTasks, config) : sweepScores;
        Map<String, Map<String, double[]>> layerWeights = new LinkedHashMap<>();
        Map<String, Seen> seen = new LinkedHashMap<>();

        t = Instant.now();
        LayerFeatures fbank = cache.getOrCompute(FeatureCache.key("log-mel-80-mean-std", big.key(), FbankFeatures.KIND),
                Map.of("model", FBANK), () -> FbankFeatures.compute(big.clips()));
        // Probes train on a second thread while the next model's features are extracted: both run single-threaded
        // torch ops, so a 2-core machine does both at once. One probe thread keeps the rows' order and only one
        // autograd session at a time.
        List<SweepPoint> sweep = new ArrayList<>();
        Map<String, Object> repairs = new LinkedHashMap<>();
        Map<String, Object> merges = new LinkedHashMap<>();
        ProbeQueue queue = new ProbeQueue();
        try {
            queue.submit(() -> score(FBANK, fbank, true, tiered, sweepScores, comparisonScores, layerWeights));
            LayerFeatures fa = features(a.config(), a.weights(), a.preprocessor(), big, cache, config, "A", seen);
            queue.submit(() -> score(config.modelA().label(), fa, true, tiered, sweepScores, comparisonScores, layerWeights));
            LayerFeatures fb = features(b.config(), b.weights(), b.preprocessor(), big, cache, config, "B", seen);
            queue.submit(() -> score(config.modelB().label(), fb, true, tiered, sweepScores, comparisonScores, layerWeights));
            seconds.put("baseline_and_endpoint_features", since(t));

            // Merges: the recipes at the main λ, then the sweep.
            t = Instant.now();
            List<SweepPoint> todo = config.points();
            // measured REPAIR runs every repaired merge over the calibration clips: load them once, not per merge
            CalibrationAudio repairAudio = config.repairMode() == Repair.Mode.MEASURED
                    ? CalibrationAudio.prepared(prepared(calibration, a.preprocessor(), a.config()), config.batchSize()) : null;
            for (SweepPoint p : todo) {
                ModelMerge.Result merge = ModelMerge.builder().setModelA(a).setModelB(b).setStatistics(stats).setRecipe(p.recipe())
                        .setLambda(p.lambda()).optAlignment(alignments.get(p.recipe()))
                        .optRepair(p.repairMode(), p.repairMode() == Repair.Mode.MEASURED ? repairAudio : null).build().run();
                if (p.repair()) {
                    repairs.put(p.model(), merge.repairs().stream().map(x -> x.space() + (x.applied() ? " applied" : " n/a: " + x.note())).toList());
                }
                merges.put(p.model(), merge.provenance().toMetadata());
                boolean isLarge = large.contains(p.model());
                // The merged model keeps A's preprocessing.
                LayerFeatures fm = features(a.config(), merge.merged().weights(), a.preprocessor(), isLarge ? big : small, cache, config,
                        p.model(), seen);
                queue.submit(() -> score(p.model(), fm, isLarge, tiered, sweepScores, comparisonScores, layerWeights));
                sweep.add(p);
            }
            seconds.put("merges_and_features", since(t));
            t = Instant.now();
            queue.finish();
            seconds.put("probes_left_after_the_last_merge", since(t));
        } finally {
            queue.close();
        }
        prov.put("repair", repairs);
        prov.put("merges", merges);

        ScoreTable scores = sweepScores.table.build();
        ScoreTable decisive = tiered ? comparisonScores.table.build() : scores;
        Map<String, Map<String, TaskOutcome>> rows = sweepScores.rows;
        Map<String, Boolean> checks = config.checks() ? checks(scores, config, rows) : Map.of();
        prov.put("checks", checks);
        prov.put("feature_cache", Map.of("dir", cache.dir().toString(), "hits", cache.hits(), "misses", cache.misses()));
        prov.put("bootstrap", Map.of("replicates", config.bootstrapReplicates(), "seed", config.seed(), "level", 0.95));
        prov.put("probe", config.probe());
        prov.put("seconds", seconds);
        Map<String, Object> written = new LinkedHashMap<>(run.finished().toMetadata());
        written.putAll(prov);
        prov = written;
        ResultsWriter.write(out, scores, tiered ? decisive : null, sweep, diagnostics, layerWeights, prov);
        StudySummary.PairSummary summary = StudyResults.pairSummary(pair, config, decisive, scores, sweep, tableIi);
        return new PairResult(pair, out, scores, decisive, sweep, diagnostics, checks, prov, summary);
    }

    /**
     * The two identities of the ci preset: identity at λ = 1 is exactly A (same per-clip predictions); the main
     * permuted recipe at λ = 0 is π(B), which computes what B computes, so its scores lie in B's bootstrap interval.
     */
    static Map<String, Boolean> checks(ScoreTable table, StudyConfig config, Map<String, Map<String, TaskOutcome>> rows) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        String idOne = SweepPoint.rowName("identity", 1.0, false);
        if (rows.containsKey(idOne)) {
            boolean same = true;
            for (TaskSpec t : table.tasks()) {
                same &= Arrays.equals(rows.get(idOne).get(t.name()).correct(), rows.get(config.modelA().label()).get(t.name()).correct());
            }
            out.put("identity λ=1 gives exactly A's row (per-clip predictions equal)", same);
        }
        for (MergeRecipe r : config.mergeRecipes()) {
            if (r == MergeRecipe.IDENTITY) continue;
            String zero = SweepPoint.rowName(r, Lambda.global(0), Repair.Mode.NONE);
            if (!rows.containsKey(zero)) continue;
            boolean inside = true;
            for (TaskSpec t : table.tasks()) {
                Interval bi = table.interval(config.modelB().label(), ScoreTable.Column.task(t, ScoreTable.Scale.RAW));
                inside &= bi.contains(table.interval(zero, ScoreTable.Column.task(t, ScoreTable.Scale.RAW)).estimate());
            }
            out.put(r + " λ=0 gives B's row (every task within B's 95 % bootstrap interval)", inside);
        }
        return out;
    }

    /**
     * The probe thread: jobs run one after another in submission order; the first failure is rethrown by
     * {@link #submit} or {@link #finish}, so a broken probe stops the study instead of leaving a row out.
     */
    private static final class ProbeQueue implements AutoCloseable {
        private final java.util.concurrent.ExecutorService executor = org.permerge.io.Futures.daemonPool(1, "permerge-probes");
        private final List<java.util.concurrent.Future<?>> pending = new ArrayList<>();

        void submit(Runnable job) {
            rethrowFinished();
            pending.add(executor.submit(job));
        }

        void finish() {
            for (java.util.concurrent.Future<?> f : pending) await(f);
            pending.clear();
        }

        private void rethrowFinished() {
            for (java.util.concurrent.Future<?> f : pending) if (f.isDone()) await(f);
        }

        private static void await(java.util.concurrent.Future<?> f) {
            org.permerge.io.Futures.await(f, "the probes");
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }

    /** One evaluation tier: its tasks, the score table its rows go into, and each row's per-task outcomes. */
    private static final class Scoring {
        final List<ProbeTask> tasks;
        final ProbeConfig probe;
        final ScoreTable.Builder table;
        final Map<String, Map<String, TaskOutcome>> rows = new LinkedHashMap<>();

        Scoring(List<ProbeTask> tasks, StudyConfig config) {
            this.tasks = tasks;
            this.probe = config.probe();
            this.table = ScoreTable.builder().setTasks(tasks.stream().map(ProbeTask::spec).toList())
                    .setBaseline(FBANK).setReferences(config.modelA().label(), config.modelB().label())
                    .optBootstrap(new PairedBootstrap(config.bootstrapReplicates(), config.seed()));
        }

        /** Trains a probe per task on the model's features and adds the row; returns task → layer weights. */
        Map<String, double[]> add(String model, LayerFeatures features) {
            Map<String, double[]> weights = new LinkedHashMap<>();
            for (ProbeTask task : tasks) {
                ProbeTask.Result r = task.evaluateWithProbe(features, probe);
                table.add(model, r.outcome());
                weights.put(task.spec().name(), r.probe().layerWeights());
                rows.computeIfAbsent(model, k -> new LinkedHashMap<>()).put(task.spec().name(), r.outcome());
                System.err.printf(Locale.ROOT, "permerge: %-32s %-10s %.1f %% of %d test clips%n", model, task.spec().name(),
                        100 * r.outcome().value(), task.test().size());
            }
            return weights;
        }
    }

    /**
     * Scores one model: on the sweep's sets always, and on the comparisons' large sets too where it is a baseline or a
     * row a comparison uses (its layer weights are then the large sets').
     */
    private static void score(String model, LayerFeatures features, boolean large, boolean tiered, Scoring sweep, Scoring comparisons,
                              Map<String, Map<String, double[]>> layerWeights) {
        layerWeights.put(model, sweep.add(model, features));
        if (large && tiered) layerWeights.put(model, comparisons.add(model, features));
    }

    /**
     * The clips one evaluation tier extracts features for, with the key naming them in the feature cache (task
     * manifests, clip ids, pooling).
     */
    private record ProbeSet(List<Manifest.Clip> clips, String key, Pooling pooling, Set<String> ids) {
        static ProbeSet of(List<ProbeTask> tasks, List<String> taskManifests, Pooling pooling) {
            List<Manifest.Clip> clips = ProbeTask.union(tasks);
            List<String> parts = new ArrayList<>(taskManifests);
            parts.add(String.join(",", clips.stream().map(Manifest.Clip::id).toList()));
            Set<String> ids = new java.util.HashSet<>();
            for (Manifest.Clip c : clips) ids.add(c.id());
            return new ProbeSet(clips, ModelHash.combine(parts.toArray(new String[0])), pooling, ids);
        }
    }

    /**
     * A model's pooled features over a probe set, from the cache or the encoder. {@code seen} maps weights hashes to
     * features already made in this pair: a merge equal to a model probed before (identity at λ = 1 is A) reuses
     * them, so its row is the same model's row to the last prediction, and a small set reuses a large set's
     * features, which cover it.
     */
    private static LayerFeatures features(org.permerge.model.EncoderConfig config, StateDict weights, Preprocessor pre,
                                          ProbeSet set, FeatureCache cache, StudyConfig study, String label,
                                          Map<String, Seen> seen) {
        String hash = ModelHash.of(weights);
        Seen before = seen.get(hash);
        if (before != null && (before.set() == set || before.set().ids().containsAll(set.ids()))) return before.features();
        // mean pooling keeps its old cache key, so earlier caches stay valid
        String kind = set.pooling().featureKind();
        String key = FeatureCache.key(hash, ModelHash.combine(set.key(), pre.toString()), kind);
        LayerFeatures f = cache.getOrCompute(key, Map.of("model", label, "pooling", set.pooling().label()), () -> {
            try (HubertEncoder enc = HubertEncoder.create(config, weights)) {
                return ProbeFeatures.hiddenStates(enc, pre, set.clips(), study.batchSize(), label, set.pooling(), extractionWorkers(study));
            }
        });
        seen.put(hash, new Seen(set, f));
        return f;
    }

    /**
     * Batches extracted at once: the study runs libtorch on {@code threads} threads per op, so the cores left over run
     * further batches (a small encoder's ops are too small for libtorch's pool to use two cores well).
     */
    static int extractionWorkers(StudyConfig study) {
        int cores = Runtime.getRuntime().availableProcessors();
        return study.threads() > 0 ? Math.max(1, cores / study.threads()) : 1;
    }

    /** Features made for one set of clips. */
    private record Seen(ProbeSet set, LayerFeatures features) {}

    private static Map<String, Object> describe(StudyConfig.ModelSource src, EncoderCheckpoint c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", src.path());
        if (src.randomSeed() != null) m.put("random_seed", src.randomSeed());
        m.put("weights_sha256", ModelHash.of(c.weights()));
        m.put("preprocessor", c.preprocessor().toString());
        m.put("hidden_size", c.config().hiddenSize());
        m.put("layers", c.config().numHiddenLayers());
        return m;
    }

    private static List<float[]> prepared(List<Manifest.Clip> clips, Preprocessor pre, org.permerge.model.EncoderConfig config) {
        return ProbeFeatures.preparation(pre, config.receptiveField()).prepare(clips);
    }

    private static double since(Instant t) {
        return Duration.between(t, Instant.now()).toMillis() / 1000.0;
    }
}
