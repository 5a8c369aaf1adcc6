package org.permerge.study;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.permerge.bench.Domain;
import org.permerge.bench.PairedBootstrap;
import org.permerge.bench.ProbeConfig;
import org.permerge.bench.TaskSpec;
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
 * @param modelA      the reference (speech) model
 * @param modelB      the model permuted toward A (music)
 * @param speech      where the speech corpus comes from
 * @param music       where the music corpus comes from
 * @param calibrationClipsPerDomain calibration clips taken from each corpus (shuffled together)
 * @param tasks       the probing tasks
 * @param recipes     recipes merged at {@code lambda}
 * @param lambda      the main interpolation weight of A (paper: 0.9)
 * @param sweepRecipes recipes swept over {@code sweepLambdas}
 * @param sweepLambdas λ values of the sweep
 * @param repairModes REPAIR settings of the sweep ({@code none}, {@code closed}, {@code measured})
 * @param probe       probe settings
 * @param bootstrapReplicates replicates of the paired bootstrap
 * @param seed        master seed (calibration draw, bootstrap)
 * @param batchSize   clips per forward pass
 * @param checks      whether to check identity λ=1 ≡ A and the main recipe λ=0 ≈ B
 * @param threads     libtorch intra-op threads for the run (0 = libtorch's default)
 * @param maxClipsPerSplit cap on each task's train, dev and test clips (0 = all), seeded
 * @param json        the configuration as read (recorded in provenance)
 */
public record StudyConfig(String name, String description, ModelSource modelA, ModelSource modelB, CorpusSource speech,
                          CorpusSource music, int calibrationClipsPerDomain, List<TaskEntry> tasks, List<String> recipes,
                          double lambda, List<String> sweepRecipes, List<Double> sweepLambdas, List<String> repairModes,
                          ProbeConfig probe, int bootstrapReplicates, long seed, int batchSize, boolean checks, int threads,
                          int maxClipsPerSplit, String json) {

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
            List<String> recipes = strings(o, "recipes", source);
            List<String> sweepRecipes = sweep.has("recipes") ? strings(sweep, "recipes", source) : List.of();
            List<Double> lambdas = new ArrayList<>();
            if (sweep.has("lambdas")) for (JsonElement e : sweep.getAsJsonArray("lambdas")) lambdas.add(checkLambda(e.getAsDouble()));
            List<String> repair = sweep.has("repair") ? strings(sweep, "repair", source) : List.of("none");
            for (String r : repair) {
                if (!Set.of("none", "closed", "measured").contains(r)) {
                    throw new IllegalArgumentException("sweep.repair '" + r + "' (expected none, closed or measured)");
                }
            }
            if (repair.contains("closed") && repair.contains("measured")) {
                throw new IllegalArgumentException("sweep.repair: choose one of closed or measured (with or without none)");
            }
            for (String r : recipes) org.permerge.merge.MergeRecipe.parse(r);
            for (String r : sweepRecipes) org.permerge.merge.MergeRecipe.parse(r);
            JsonObject cal = o.has("calibration") ? o.getAsJsonObject("calibration") : new JsonObject();
            String json = new GsonBuilder().setPrettyPrinting().create().toJson(o);
            StudyConfig c = new StudyConfig(str(o, "name", source), o.has("description") ? o.get("description").getAsString() : "",
                    model(o.getAsJsonObject("model_a"), "model_a", source), model(o.getAsJsonObject("model_b"), "model_b", source),
                    corpus(o, "speech", source), corpus(o, "music", source), intOr(cal, "clips_per_domain", 100), tasks, recipes,
                    checkLambda(dbl(o, "lambda", 0.9)), sweepRecipes, lambdas, repair, pc,
                    intOr(o, "bootstrap_replicates", PairedBootstrap.DEFAULT_REPLICATES), (long) dbl(o, "seed", 0),
                    intOr(o, "batch_size", 8), !o.has("checks") || o.get("checks").getAsBoolean(),
                    intOr(o, "threads", 0), intOr(o, "max_clips_per_split", 0), json);
            return c;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** Every distinct recipe the study needs statistics matched for, main recipes first. */
    public List<String> allRecipes() {
        Set<String> all = new LinkedHashSet<>(recipes);
        all.addAll(sweepRecipes);
        return List.copyOf(all);
    }

    /** The same study with another number of libtorch threads (0 = default). */
    public StudyConfig withThreads(int n) {
        if (n < 0) throw new IllegalArgumentException("threads must be ≥ 0, got " + n);
        return new StudyConfig(name, description, modelA, modelB, speech, music, calibrationClipsPerDomain, tasks, recipes, lambda,
                sweepRecipes, sweepLambdas, repairModes, probe, bootstrapReplicates, seed, batchSize, checks, n, maxClipsPerSplit, json);
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

    private static CorpusSource corpus(JsonObject o, String domain, String source) {
        JsonObject corpora = o.getAsJsonObject("corpora");
        if (corpora == null || !corpora.has(domain)) throw new IllegalArgumentException("missing 'corpora." + domain + "'");
        JsonObject c = corpora.getAsJsonObject(domain);
        return new CorpusSource(c.has("manifest") ? c.get("manifest").getAsString() : null, intOr(c, "clips", 2000),
                intOr(c, "calibration_clips", 250), (long) dbl(c, "seed", 1));
    }

    private static double checkLambda(double l) {
        if (!(l >= 0 && l <= 1)) throw new IllegalArgumentException("λ must be in [0, 1], got " + l);
        return l;
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
