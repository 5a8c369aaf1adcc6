package org.permerge.study;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.permerge.bench.Domain;
import org.permerge.bench.PairedBootstrap;
import org.permerge.bench.Pooling;
import org.permerge.bench.ProbeConfig;
import org.permerge.bench.SplitCaps;
import org.permerge.bench.TaskSpec;
import org.permerge.merge.Lambda;
import org.permerge.match.MergeRecipe;
import org.permerge.merge.Repair;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What {@code ./permerge reproduce} runs, read from a preset ({@code presets/<name>.json} on the classpath) or a
 * JSON file: the two models, the corpora, calibration size, tasks, recipes, λ values, REPAIR, probe and
 * bootstrap settings, and which identities to check. Paths are relative to the project folder. Switching
 * models or corpora is a change of one line in the preset.
 *
 * @param name        preset name
 * @param description one line on what it is for
 * @param pairs       the model pairs merged, each with its own statistics, merges and Table II (a preset with
 *                    top-level {@code model_a}/{@code model_b} is one pair)
 * @param speech      where the speech corpus comes from
 * @param music       where the music corpus comes from
 * @param calibrationClipsPerDomain calibration clips taken from each corpus (shuffled together)
 * @param tasks       the probing tasks
 * @param recipes     recipes merged at {@code lambda}
 * @param lambda      the main interpolation weight of A (paper: 0.9), global or per component as in the CLI's
 *                    {@code --lambda} ({@code 0.9,cnn=0.5,ffn=0.8})
 * @param sweepRecipes recipes swept over {@code sweepLambdas}
 * @param sweepLambdas λ values of the sweep (each global or per component)
 * @param repairModes REPAIR settings of the sweep ({@code none}, {@code closed}, {@code measured})
 * @param comparisons the pre-registered comparisons, on the overall average, Holm-corrected within each pair
 * @param probe       probe settings
 * @param bootstrapReplicates replicates of the paired bootstrap
 * @param seed        master seed (calibration draw, bootstrap)
 * @param batchSize   clips per forward pass
 * @param checks      whether to check identity λ=1 ≡ A and the main recipe λ=0 ≈ B
 * @param threads     libtorch intra-op threads for the run (0 = libtorch's default)
 * @param maxClipsPerSplit cap on each task's train, dev and test clips (0 = all), seeded, for the rows of the
 *                    λ sweep
 * @param comparisonClips caps for the baselines and the rows a pre-registered comparison uses ({@code
 *                    comparison_clips}: large sets so that the comparisons decide); {@code null}: the sweep's caps
 * @param pooling     how hidden states are pooled per clip for the probe ({@code probe.pooling})
 * @param json        the configuration as read (recorded in provenance)
 */
public record StudyConfig(String name, String description, List<Pair> pairs, CorpusSource speech,
                          CorpusSource music, int calibrationClipsPerDomain, List<TaskEntry> tasks, List<MergeRecipe> recipes,
                          Lambda lambda, List<MergeRecipe> sweepRecipes, List<Lambda> sweepLambdas, List<Repair.Mode> repairModes,
                          List<Comparison> comparisons,
                          ProbeConfig probe, int bootstrapReplicates, long seed, int batchSize, boolean checks, int threads,
                          int maxClipsPerSplit, SplitCaps comparisonClips, Pooling pooling, String json) {

    /**
     * A model: a Hugging Face folder, optionally with its weights replaced by seeded random ones of the same
     * architecture (a stand-in second model for tests).
     *
     * @param path       model folder (config.json + weights), relative to the project
     * @param randomSeed when set, the weights are {@code RandomWeights.create(config, seed)} instead
     * @param label      row name in the table
     */
    public record ModelSource(String path, Long randomSeed, String label) {}

    /**
     * One pair of models the study merges.
     *
     * @param name       the pair's name (a folder name in the results)
     * @param modelA     the reference model
     * @param modelB     the model permuted toward A
     * @param sharedInit whether A and B started from the same step-0 weights (the paper's likely regime)
     */
    public record Pair(String name, ModelSource modelA, ModelSource modelB, boolean sharedInit) {}

    /**
     * One merged model as a comparison names it.
     *
     * @param recipe the merge recipe
     * @param lambda the interpolation weight of A
     * @param repair the REPAIR mode
     */
    public record Arm(MergeRecipe recipe, Lambda lambda, Repair.Mode repair) {
        /** The row of this merge in the table. */
        public String row() {
            return SweepPoint.rowName(recipe, lambda, repair);
        }
    }

    /**
     * A pre-registered comparison: {@code a − b} on the overall average, paired over the same test clips.
     *
     * @param name its name in the results
     * @param a    the first merge
     * @param b    the merge it is compared with
     */
    public record Comparison(String name, Arm a, Arm b) {}

    /** The first pair's model A (the only one of a single-pair preset). */
    public ModelSource modelA() {
        return pairs.get(0).modelA();
    }

    /** The first pair's model B. */
    public ModelSource modelB() {
        return pairs.get(0).modelB();
    }

    /** The same study on one of its pairs only. */
    public StudyConfig forPair(Pair p) {
        if (!pairs.contains(p)) throw new IllegalArgumentException("study '" + name + "' has no pair " + p.name());
        return new StudyConfig(name, description, List.of(p), speech, music, calibrationClipsPerDomain, tasks, recipes, lambda,
                sweepRecipes, sweepLambdas, repairModes, comparisons, probe, bootstrapReplicates, seed, batchSize, checks, threads,
                maxClipsPerSplit, comparisonClips, pooling, json);
    }

    /**
     * Every merged model of each pair, in the order they are made: the recipes at the main λ without REPAIR, then the
     * sweep (recipe × λ × REPAIR), each row once.
     */
    public List<SweepPoint> points() {
        List<SweepPoint> todo = new ArrayList<>();
        for (MergeRecipe r : recipes) todo.add(SweepPoint.of(r, lambda, Repair.Mode.NONE));
        for (MergeRecipe r : sweepRecipes) {
            for (Lambda l : sweepLambdas) {
                for (Repair.Mode mode : repairModes) {
                    SweepPoint p = SweepPoint.of(r, l, mode);
                    if (todo.stream().noneMatch(q -> q.model().equals(p.model()))) todo.add(p);
                }
            }
        }
        return todo;
    }

    /**
     * A corpus: an existing manifest, or the mini world's generator.
     *
     * @param manifest path of a manifest.jsonl, or null to generate
     * @param clips    labeled clips to generate
     * @param calibrationClips calibration clips to generate
     * @param seed     generator seed
     */
    public record CorpusSource(String manifest, int clips, int calibrationClips, long seed) {}

    /**
     * One probing task.
     *
     * @param name   task name (and the manifest's per-task split key)
     * @param domain speech or music
     * @param label  manifest label holding the class
     * @param manifest a manifest of its own (e.g. a real dataset's, relative to the project), or null for the
     *               domain's corpus
     */
    public record TaskEntry(String name, Domain domain, String label, String manifest) {
        public TaskSpec spec() {
            return TaskSpec.classification(name, domain, label);
        }
    }

    /** A built-in preset ({@code mini}, {@code ci}) or, if {@code nameOrFile} is a file, that file. */
    public static StudyConfig load(String nameOrFile) {
        Path p = Path.of(nameOrFile);
        if (Files.isRegularFile(p)) {
            try {
                return parse(Files.readString(p, StandardCharsets.UTF_8), p.toString());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read study config " + p + ": " + e.getMessage(), e);
            }
        }
        String resource = "/presets/" + nameOrFile + ".json";
        try (InputStream in = StudyConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no preset '" + nameOrFile + "' (built in: " + presets()
                        + ") and no such file " + p.toAbsolutePath());
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "preset " + nameOrFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** Names of the built-in presets. */
    public static List<String> presets() {
        return List.of("mini", "ci");
    }

    /** Parses a configuration; errors name the source and the field. */
    public static StudyConfig parse(String text, String source) {
        JsonObject o;
        try {
            o = JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " is not a JSON object: " + e.getMessage(), e);
        }
        try {
            List<TaskEntry> tasks = new ArrayList<>();
            for (JsonElement e : array(o, "tasks", source)) {
                JsonObject t = e.getAsJsonObject();
                tasks.add(new TaskEntry(str(t, "name", source), Domain.parse(str(t, "domain", source)), str(t, "label", source),
                        t.has("manifest") ? t.get("manifest").getAsString() : null));
            }
            if (tasks.isEmpty()) throw new IllegalArgumentException("'tasks' is empty");
            JsonObject sweep = o.has("sweep") ? o.getAsJsonObject("sweep") : new JsonObject();
            JsonObject probe = o.has("probe") ? o.getAsJsonObject("probe") : new JsonObject();
            ProbeConfig d = ProbeConfig.defaults();
            ProbeConfig pc = new ProbeConfig(intOr(probe, "hidden_units", d.hiddenUnits()), dbl(probe, "learning_rate", d.learningRate()),
                    dbl(probe, "weight_decay", d.weightDecay()), intOr(probe, "batch_size", d.batchSize()),
                    intOr(probe, "max_epochs", d.maxEpochs()), intOr(probe, "patience", d.patience()),
                    (long) dbl(probe, "seed", d.seed()));
            Pooling pooling = probe.has("pooling") ? field("probe.pooling", () -> Pooling.parse(probe.get("pooling").getAsString())) : Pooling.MEAN;
            List<MergeRecipe> recipes = recipes(o, "recipes", source);
            List<MergeRecipe> sweepRecipes = sweep.has("recipes") ? recipes(sweep, "recipes", "sweep.recipes") : List.of();
            List<Lambda> lambdas = new ArrayList<>();
            if (sweep.has("lambdas")) for (JsonElement e : array(sweep, "lambdas", source)) lambdas.add(lambda(e, "sweep.lambdas"));
            List<Repair.Mode> repair = new ArrayList<>();
            if (sweep.has("repair")) {
                for (String r : strings(sweep, "repair", source)) repair.add(field("sweep.repair", () -> Repair.Mode.parse(r)));
            } else {
                repair.add(Repair.Mode.NONE);
            }
            if (repair.contains(Repair.Mode.CLOSED) && repair.contains(Repair.Mode.MEASURED)) {
                throw new IllegalArgumentException("sweep.repair: choose one of closed or measured (with or without none)");
            }
            JsonObject cal = o.has("calibration") ? o.getAsJsonObject("calibration") : new JsonObject();
            String json = new GsonBuilder().setPrettyPrinting().create().toJson(o);
            Lambda main = o.has("lambda") ? lambda(o.get("lambda"), "lambda") : Lambda.global(0.9);
            List<Comparison> comparisons = new ArrayList<>();
            if (o.has("comparisons")) {
                int i = 0;
                for (JsonElement e : array(o, "comparisons", source)) comparisons.add(comparison(e, "comparisons[" + i++ + "]", main));
            }
            StudyConfig c = new StudyConfig(str(o, "name", source), o.has("description") ? o.get("description").getAsString() : "",
                    pairs(o), corpus(o, "speech", source), corpus(o, "music", source), intOr(cal, "clips_per_domain", 100), tasks, recipes,
                    main, sweepRecipes, lambdas, repair, List.copyOf(comparisons), pc,
                    intOr(o, "bootstrap_replicates", PairedBootstrap.DEFAULT_REPLICATES), (long) dbl(o, "seed", 0),
                    intOr(o, "batch_size", 8), !o.has("checks") || o.get("checks").getAsBoolean(),
                    intOr(o, "threads", 0), intOr(o, "max_clips_per_split", 0), comparisonClips(o), pooling, json);
            SplitCaps big = c.comparisonCaps();
            int small = c.maxClipsPerSplit();
            for (int[] cap : new int[][] {{big.train()}, {big.dev()}, {big.test()}}) {
                if (cap[0] != 0 && (small <= 0 || cap[0] < small)) {
                    throw new IllegalArgumentException("comparison_clips (" + big + ") must keep at least max_clips_per_split = " + small
                            + " clips per split (or 0 = all): the sweep's sets must lie inside the comparisons' sets");
                }
            }
            Set<String> rows = new LinkedHashSet<>();
            for (SweepPoint p : c.points()) rows.add(p.model());
            for (Comparison k : comparisons) {
                for (Arm arm : List.of(k.a(), k.b())) {
                    if (arm.repair() != Repair.Mode.NONE && !c.repairModes().contains(arm.repair())) {
                        throw new IllegalArgumentException("comparison '" + k.name() + "' asks for " + arm.repair().label()
                                + " REPAIR, but sweep.repair is " + c.repairModes().stream().map(Repair.Mode::label).toList());
                    }
                    if (!rows.contains(arm.row())) {
                        throw new IllegalArgumentException("comparison '" + k.name() + "' needs the merge '" + arm.row()
                                + "', which the study does not make; it makes " + rows);
                    }
                }
            }
            return c;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static SplitCaps comparisonClips(JsonObject o) {
        if (!o.has("comparison_clips")) return null;
        JsonObject c = o.getAsJsonObject("comparison_clips");
        return field("comparison_clips", () -> new SplitCaps(intOr(c, "train", 0), intOr(c, "dev", 0), intOr(c, "test", 0)));
    }

    /** The caps of the baselines' and the pre-registered comparisons' rows (the sweep's when the preset sets none). */
    public SplitCaps comparisonCaps() {
        return comparisonClips != null ? comparisonClips : SplitCaps.each(Math.max(0, maxClipsPerSplit));
    }

    /** The rows the pre-registered comparisons use (probed on {@link #comparisonCaps()}). */
    public Set<String> comparisonRows() {
        Set<String> rows = new LinkedHashSet<>();
        for (Comparison c : comparisons) {
            rows.add(c.a().row());
            rows.add(c.b().row());
        }
        return rows;
    }

    /** Every distinct recipe the study needs statistics matched for, main recipes first. */
    public List<MergeRecipe> mergeRecipes() {
        Set<MergeRecipe> all = new LinkedHashSet<>(recipes);
        all.addAll(sweepRecipes);
        return List.copyOf(all);
    }

    /** The labels of {@link #mergeRecipes()} ({@code identity}, {@code cnn+ff+attn}, ...). */
    public List<String> allRecipes() {
        return mergeRecipes().stream().map(MergeRecipe::label).toList();
    }

    /** The REPAIR mode the sweep applies where it repairs ({@code closed} unless the preset asks for measured). */
    public Repair.Mode repairMode() {
        return repairModes.contains(Repair.Mode.MEASURED) ? Repair.Mode.MEASURED : Repair.Mode.CLOSED;
    }

    /** The same study with another number of libtorch threads (0 = default). */
    public StudyConfig withThreads(int n) {
        if (n < 0) throw new IllegalArgumentException("threads must be ≥ 0, got " + n);
        return new StudyConfig(name, description, pairs, speech, music, calibrationClipsPerDomain, tasks, recipes, lambda,
                sweepRecipes, sweepLambdas, repairModes, comparisons, probe, bootstrapReplicates, seed, batchSize, checks, n, maxClipsPerSplit, comparisonClips, pooling, json);
    }

    /** The configuration as JSON text. */
    public String toJson() {
        return json;
    }

    private static ModelSource model(JsonObject m, String key, String source) {
        if (m == null) throw new IllegalArgumentException("missing '" + key + "'");
        Long seed = m.has("random_seed") ? m.get("random_seed").getAsLong() : null;
        return new ModelSource(str(m, "path", source), seed, m.has("label") ? m.get("label").getAsString() : key.equals("model_a") ? "A" : "B");
    }

    /** {@code pairs}, or the top-level {@code model_a}/{@code model_b} of a single-pair preset. */
    private static List<Pair> pairs(JsonObject o) {
        List<Pair> out = new ArrayList<>();
        if (o.has("pairs")) {
            if (o.has("model_a") || o.has("model_b")) {
                throw new IllegalArgumentException("give either 'pairs' or top-level 'model_a'/'model_b', not both");
            }
            int i = 0;
            for (JsonElement e : array(o, "pairs", "pairs")) {
                String where = "pairs[" + i++ + "]";
                if (!e.isJsonObject()) throw new IllegalArgumentException("'" + where + "' must be an object with name, model_a, model_b");
                JsonObject p = e.getAsJsonObject();
                out.add(new Pair(field(where + ".name", () -> pairName(str(p, "name", where))), modelField(p, "model_a", where),
                        modelField(p, "model_b", where), bool(p, "shared_init", where)));
            }
            if (out.isEmpty()) throw new IllegalArgumentException("'pairs' is empty");
        } else {
            ModelSource a = model(o.getAsJsonObject("model_a"), "model_a", "");
            ModelSource b = model(o.getAsJsonObject("model_b"), "model_b", "");
            String name = o.has("pair_name") ? pairName(o.get("pair_name").getAsString()) : pairName(leaf(a.path()) + "+" + leaf(b.path()));
            out.add(new Pair(name, a, b, o.has("shared_init") && bool(o, "shared_init", "")));
        }
        Set<String> names = new LinkedHashSet<>();
        for (Pair p : out) if (!names.add(p.name())) throw new IllegalArgumentException("pair name '" + p.name() + "' is given twice");
        return List.copyOf(out);
    }

    private static ModelSource modelField(JsonObject p, String key, String where) {
        if (!p.has(key)) throw new IllegalArgumentException("missing '" + where + "." + key + "'");
        JsonElement m = p.get(key);
        if (m.isJsonPrimitive()) return new ModelSource(m.getAsString(), null, key.equals("model_a") ? "A" : "B");
        if (!m.isJsonObject()) throw new IllegalArgumentException("'" + where + "." + key + "' must be a path or an object with 'path'");
        return model(m.getAsJsonObject(), key, where);
    }

    private static boolean bool(JsonObject o, String key, String where) {
        if (!o.has(key)) throw new IllegalArgumentException("missing '" + (where.isEmpty() ? "" : where + ".") + key + "' (true or false)");
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("'" + (where.isEmpty() ? "" : where + ".") + key + "' must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    /** Pair names become folder names in the results. */
    private static String pairName(String n) {
        if (!n.matches("[A-Za-z0-9._+-]+") || n.startsWith(".")) {
            throw new IllegalArgumentException("pair name '" + n + "' must be letters, digits, '.', '_', '+' or '-' (it names a results folder)");
        }
        return n;
    }

    private static String leaf(String path) {
        String p = path.replaceAll("/+$", "");
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private static Comparison comparison(JsonElement e, String where, Lambda main) {
        if (!e.isJsonObject()) throw new IllegalArgumentException("'" + where + "' must be an object with name, a and b");
        JsonObject c = e.getAsJsonObject();
        return new Comparison(str(c, "name", where), arm(c, "a", where, main), arm(c, "b", where, main));
    }

    private static Arm arm(JsonObject c, String key, String where, Lambda main) {
        String at = where + "." + key;
        if (!c.has(key) || !c.get(key).isJsonObject()) throw new IllegalArgumentException("missing object '" + at + "' with recipe, lambda, repair");
        JsonObject a = c.getAsJsonObject(key);
        MergeRecipe r = field(at + ".recipe", () -> MergeRecipe.parse(str(a, "recipe", at).toLowerCase(Locale.ROOT)));
        Lambda l = a.has("lambda") ? lambda(a.get("lambda"), at + ".lambda") : main;
        Repair.Mode m = a.has("repair") ? field(at + ".repair", () -> Repair.Mode.parse(a.get("repair").getAsString())) : Repair.Mode.NONE;
        return new Arm(r, l, m);
    }

    private static CorpusSource corpus(JsonObject o, String domain, String source) {
        JsonObject corpora = o.getAsJsonObject("corpora");
        if (corpora == null || !corpora.has(domain)) throw new IllegalArgumentException("missing 'corpora." + domain + "'");
        JsonObject c = corpora.getAsJsonObject(domain);
        return new CorpusSource(c.has("manifest") ? c.get("manifest").getAsString() : null, intOr(c, "clips", 2000),
                intOr(c, "calibration_clips", 250), (long) dbl(c, "seed", 1));
    }

    /** λ as a number ({@code 0.9}) or as the CLI's text ({@code "0.9,cnn=0.5"}), parsed by {@link Lambda#parse}. */
    private static Lambda lambda(JsonElement e, String field) {
        if (!e.isJsonPrimitive()) throw new IllegalArgumentException("'" + field + "' must be a number or a λ text like \"0.9,cnn=0.5\", got " + e);
        String text = e.getAsJsonPrimitive().isNumber() ? e.getAsBigDecimal().toPlainString() : e.getAsString();
        return field(field, () -> Lambda.parse(text));
    }

    private static List<MergeRecipe> recipes(JsonObject o, String key, String field) {
        List<MergeRecipe> out = new ArrayList<>();
        for (JsonElement e : array(o, key, field)) out.add(field(field, () -> MergeRecipe.parse(e.getAsString().toLowerCase(Locale.ROOT))));
        return List.copyOf(out);
    }

    /** Runs a parser, prefixing its error with the field it read. */
    private static <T> T field(String field, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + field + "': " + e.getMessage(), e);
        }
    }

    private static Iterable<JsonElement> array(JsonObject o, String key, String source) {
        if (!o.has(key) || !o.get(key).isJsonArray()) throw new IllegalArgumentException("missing array '" + key + "'");
        return o.getAsJsonArray(key);
    }

    private static List<String> strings(JsonObject o, String key, String source) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(o, key, source)) out.add(e.getAsString().toLowerCase(Locale.ROOT));
        return out;
    }

    private static String str(JsonObject o, String key, String source) {
        if (!o.has(key) || o.get(key).isJsonNull()) throw new IllegalArgumentException("missing field '" + key + "'");
        return o.get(key).getAsString();
    }

    private static int intOr(JsonObject o, String key, int dflt) {
        return o.has(key) ? o.get(key).getAsInt() : dflt;
    }

    private static double dbl(JsonObject o, String key, double dflt) {
        return o.has(key) ? o.get(key).getAsDouble() : dflt;
    }

}
