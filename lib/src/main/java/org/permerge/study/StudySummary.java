package org.permerge.study;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.permerge.io.AtomicFiles;
import org.permerge.merge.Lambda;
import org.permerge.match.MergeRecipe;
import org.permerge.merge.Repair;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The machine-readable results of a study ({@code summary.json} in every results folder): per pair, every merged
 * row, the baselines, Table II for every space and the pre-registered comparisons. Accuracies, moved fractions and
 * differences are fractions (0..1), intervals are {@code [low, high]}. {@link #check(JsonElement)} is the schema:
 * required keys, types and ranges, with errors naming the path of the offending value.
 *
 * @param preset the preset's name
 * @param pairs  one entry per model pair
 */
public record StudySummary(String preset, List<PairSummary> pairs) {
    /** The file name in a results folder. */
    public static final String FILE = "summary.json";

    /** Baseline names. */
    public static final Set<String> BASELINES = Set.of("fbank", "A", "B");

    /**
     * A value with its 95 % interval {@code [low, high]}, and the test clips it rests on ({@code test_clips}; for an
     * average the sum over its tasks; 0 = not recorded, as in files from before it was).
     */
    public record Estimate(double accuracy, double low, double high, int testClips) {
        /** The interval's half-width (a fraction). */
        public double halfWidth() {
            return (high - low) / 2;
        }
    }

    /** A row probed on the large sets of the pre-registered comparisons. */
    public static final String COMPARISON = "comparison";
    /** A row probed on the λ sweep's smaller sets. */
    public static final String SWEEP = "sweep";

    /**
     * One merged model.
     *
     * @param recipe   the recipe label
     * @param lambda   λ as text ({@code 0.9}, or per component {@code 0.9,cnn=0.5}); written as a number when global
     * @param repair   {@code none}, {@code closed} or {@code measured}
     * @param tasks    per task
     * @param averages {@code speech}, {@code music}, {@code overall} (those with tasks)
     * @param evaluation {@link #COMPARISON} or {@link #SWEEP}: which clips it was probed on
     */
    public record Row(String recipe, String lambda, String repair, Map<String, Estimate> tasks, Map<String, Estimate> averages,
                      String evaluation) {}

    /** A baseline row: {@code fbank}, {@code A} or {@code B}, with the clips it was probed on (as {@link Row}). */
    public record Baseline(String name, Map<String, Estimate> tasks, Map<String, Estimate> averages, String evaluation) {}

    /** One space of Table II (from the {@code cnn+all} alignment): units, moved fraction, mean correlation before and after. */
    public record SpaceRow(String space, int units, double moved, double corrIdentity, double corrMatched) {}

    /** A pre-registered comparison: difference {@code a − b} of the overall average with its interval and Holm-corrected p. */
    public record ComparisonResult(String name, double difference, double low, double high, double pHolm) {}

    /** One pair's results. */
    public record PairSummary(String name, String modelA, String modelB, boolean sharedInit, List<Row> rows, List<Baseline> baselines,
                              List<SpaceRow> tableIi, List<ComparisonResult> comparisons) {}

    /** The document as JSON. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("preset", preset);
        JsonArray ps = new JsonArray();
        for (PairSummary p : pairs) {
            JsonObject j = new JsonObject();
            j.addProperty("name", p.name());
            j.addProperty("model_a", p.modelA());
            j.addProperty("model_b", p.modelB());
            j.addProperty("shared_init", p.sharedInit());
            JsonArray rows = new JsonArray();
            for (Row r : p.rows()) {
                JsonObject x = new JsonObject();
                x.addProperty("recipe", r.recipe());
                Lambda l = Lambda.parse(r.lambda());
                if (l.isGlobal()) x.addProperty("lambda", Double.parseDouble(r.lambda()));
                else x.addProperty("lambda", r.lambda());
                x.addProperty("repair", r.repair());
                x.addProperty("evaluation", r.evaluation());
                x.add("tasks", estimates(r.tasks()));
                x.add("averages", estimates(r.averages()));
                rows.add(x);
            }
            j.add("rows", rows);
            JsonArray bs = new JsonArray();
            for (Baseline b : p.baselines()) {
                JsonObject x = new JsonObject();
                x.addProperty("name", b.name());
                x.addProperty("evaluation", b.evaluation());
                x.add("tasks", estimates(b.tasks()));
                x.add("averages", estimates(b.averages()));
                bs.add(x);
            }
            j.add("baselines", bs);
            JsonArray t2 = new JsonArray();
            for (SpaceRow s : p.tableIi()) {
                JsonObject x = new JsonObject();
                x.addProperty("space", s.space());
                x.addProperty("units", s.units());
                x.addProperty("moved", s.moved());
                x.addProperty("corr_identity", s.corrIdentity());
                x.addProperty("corr_matched", s.corrMatched());
                t2.add(x);
            }
            j.add("table_ii", t2);
            JsonArray cs = new JsonArray();
            for (ComparisonResult c : p.comparisons()) {
                JsonObject x = new JsonObject();
                x.addProperty("name", c.name());
                x.addProperty("difference", c.difference());
                x.add("ci", interval(c.low(), c.high()));
                x.addProperty("p_holm", c.pHolm());
                cs.add(x);
            }
            j.add("comparisons", cs);
            ps.add(j);
        }
        o.add("pairs", ps);
        return o;
    }

    private static JsonObject estimates(Map<String, Estimate> m) {
        JsonObject o = new JsonObject();
        m.forEach((k, e) -> {
            JsonObject x = new JsonObject();
            x.addProperty("accuracy", e.accuracy());
            x.add("ci", interval(e.low(), e.high()));
            if (e.testClips() > 0) x.addProperty("test_clips", e.testClips());
            o.add(k, x);
        });
        return o;
    }

    private static JsonArray interval(double low, double high) {
        JsonArray a = new JsonArray();
        a.add(low);
        a.add(high);
        return a;
    }

    /** Writes {@code summary.json} into a folder (checked against the schema first; written atomically). */
    public Path write(Path folder) {
        JsonObject o = toJson();
        check(o);
        Path f = folder.resolve(FILE);
        AtomicFiles.writeString(f, new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n");
        return f;
    }

    /** Reads and checks a {@code summary.json}; errors name the file and the offending value. */
    public static StudySummary read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return fromJson(JsonParser.parseString(text));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The document from JSON, checked first. */
    public static StudySummary fromJson(JsonElement doc) {
        check(doc);
        JsonObject o = doc.getAsJsonObject();
        List<PairSummary> pairs = new ArrayList<>();
        for (JsonElement pe : o.getAsJsonArray("pairs")) {
            JsonObject p = pe.getAsJsonObject();
            List<Row> rows = new ArrayList<>();
            for (JsonElement re : p.getAsJsonArray("rows")) {
                JsonObject r = re.getAsJsonObject();
                rows.add(new Row(r.get("recipe").getAsString(), lambdaText(r.get("lambda")), r.get("repair").getAsString(),
                        estimates(r.getAsJsonObject("tasks")), estimates(r.getAsJsonObject("averages")), evaluation(r)));
            }
            List<Baseline> baselines = new ArrayList<>();
            for (JsonElement be : p.getAsJsonArray("baselines")) {
                JsonObject b = be.getAsJsonObject();
                baselines.add(new Baseline(b.get("name").getAsString(), estimates(b.getAsJsonObject("tasks")), estimates(b.getAsJsonObject("averages")),
                        evaluation(b)));
            }
            List<SpaceRow> t2 = new ArrayList<>();
            for (JsonElement se : p.getAsJsonArray("table_ii")) {
                JsonObject s = se.getAsJsonObject();
                t2.add(new SpaceRow(s.get("space").getAsString(), s.get("units").getAsInt(), s.get("moved").getAsDouble(),
                        s.get("corr_identity").getAsDouble(), s.get("corr_matched").getAsDouble()));
            }
            List<ComparisonResult> cs = new ArrayList<>();
            for (JsonElement ce : p.getAsJsonArray("comparisons")) {
                JsonObject c = ce.getAsJsonObject();
                JsonArray ci = c.getAsJsonArray("ci");
                cs.add(new ComparisonResult(c.get("name").getAsString(), c.get("difference").getAsDouble(), ci.get(0).getAsDouble(),
                        ci.get(1).getAsDouble(), c.get("p_holm").getAsDouble()));
            }
            pairs.add(new PairSummary(p.get("name").getAsString(), p.get("model_a").getAsString(), p.get("model_b").getAsString(),
                    p.get("shared_init").getAsBoolean(), rows, baselines, t2, cs));
        }
        return new StudySummary(o.get("preset").getAsString(), pairs);
    }

    private static String lambdaText(JsonElement e) {
        return e.getAsJsonPrimitive().isNumber() ? Lambda.parse(e.getAsBigDecimal().toPlainString()).toString() : Lambda.parse(e.getAsString()).toString();
    }

    private static Map<String, Estimate> estimates(JsonObject o) {
        Map<String, Estimate> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            JsonObject x = e.getValue().getAsJsonObject();
            JsonArray ci = x.getAsJsonArray("ci");
            m.put(e.getKey(), new Estimate(x.get("accuracy").getAsDouble(), ci.get(0).getAsDouble(), ci.get(1).getAsDouble(),
                    x.has("test_clips") ? x.get("test_clips").getAsInt() : 0));
        }
        return m;
    }

    /** A row's evaluation; files from before the comparison sets had one set for every row: the sweep's. */
    private static String evaluation(JsonObject row) {
        return row.has("evaluation") ? row.get("evaluation").getAsString() : SWEEP;
    }

    // ---- the schema ----

    /**
     * Checks a document against the schema of {@code summary.json}: every required key present with its type,
     * fractions and correlations in range, intervals {@code [low, high]} with low ≤ high, known recipes, λ and
     * REPAIR modes, baselines {@code fbank}/{@code A}/{@code B}. The first violation is an error naming its path.
     */
    public static void check(JsonElement doc) {
        JsonObject o = object(doc, "$");
        string(o, "preset", "$");
        JsonArray pairs = array(o, "pairs", "$");
        if (pairs.isEmpty()) throw bad("$.pairs", "is empty; expected at least one pair");
        for (int i = 0; i < pairs.size(); i++) {
            String at = "$.pairs[" + i + "]";
            JsonObject p = object(pairs.get(i), at);
            string(p, "name", at);
            string(p, "model_a", at);
            string(p, "model_b", at);
            JsonElement shared = required(p, "shared_init", at);
            if (!(shared.isJsonPrimitive() && shared.getAsJsonPrimitive().isBoolean())) throw bad(at + ".shared_init", "must be true or false, got " + shared);
            JsonArray rows = array(p, "rows", at);
            for (int r = 0; r < rows.size(); r++) {
                String rt = at + ".rows[" + r + "]";
                JsonObject row = object(rows.get(r), rt);
                String recipe = string(row, "recipe", rt);
                try {
                    MergeRecipe.parse(recipe);
                } catch (IllegalArgumentException e) {
                    throw bad(rt + ".recipe", e.getMessage());
                }
                JsonElement l = required(row, "lambda", rt);
                if (!l.isJsonPrimitive()) throw bad(rt + ".lambda", "must be a number in [0, 1] or a per-component λ text, got " + l);
                try {
                    if (l.getAsJsonPrimitive().isNumber()) {
                        double v = l.getAsDouble();
                        if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException(v + " is outside [0, 1]");
                    } else {
                        Lambda.parse(l.getAsString());
                    }
                } catch (IllegalArgumentException e) {
                    throw bad(rt + ".lambda", e.getMessage());
                }
                String repair = string(row, "repair", rt);
                try {
                    Repair.Mode.parse(repair);
                } catch (IllegalArgumentException e) {
                    throw bad(rt + ".repair", e.getMessage());
                }
                checkEvaluation(row, rt);
                checkScores(row, rt);
            }
            JsonArray baselines = array(p, "baselines", at);
            for (int b = 0; b < baselines.size(); b++) {
                String bt = at + ".baselines[" + b + "]";
                JsonObject base = object(baselines.get(b), bt);
                String name = string(base, "name", bt);
                if (!BASELINES.contains(name)) throw bad(bt + ".name", "is '" + name + "'; expected one of fbank, A, B");
                checkEvaluation(base, bt);
                checkScores(base, bt);
            }
            JsonArray t2 = array(p, "table_ii", at);
            for (int s = 0; s < t2.size(); s++) {
                String st = at + ".table_ii[" + s + "]";
                JsonObject sp = object(t2.get(s), st);
                string(sp, "space", st);
                double units = number(sp, "units", st);
                if (units < 1 || units != Math.rint(units)) throw bad(st + ".units", "must be a positive whole number, got " + units);
                range(sp, "moved", st, 0, 1);
                range(sp, "corr_identity", st, -1, 1);
                range(sp, "corr_matched", st, -1, 1);
            }
            JsonArray cs = array(p, "comparisons", at);
            for (int c = 0; c < cs.size(); c++) {
                String ct = at + ".comparisons[" + c + "]";
                JsonObject cmp = object(cs.get(c), ct);
                string(cmp, "name", ct);
                range(cmp, "difference", ct, -1, 1);
                interval(cmp, "ci", ct, -1, 1);
                range(cmp, "p_holm", ct, 0, 1);
            }
        }
    }

    private static void checkScores(JsonObject row, String at) {
        JsonObject tasks = object(required(row, "tasks", at), at + ".tasks");
        if (tasks.isEmpty()) throw bad(at + ".tasks", "is empty; expected one entry per task");
        for (Map.Entry<String, JsonElement> e : tasks.entrySet()) estimate(e.getValue(), at + ".tasks." + e.getKey());
        JsonObject avg = object(required(row, "averages", at), at + ".averages");
        if (!avg.has("overall")) throw bad(at + ".averages", "has no 'overall'");
        for (Map.Entry<String, JsonElement> e : avg.entrySet()) {
            if (!Set.of("speech", "music", "overall").contains(e.getKey())) {
                throw bad(at + ".averages." + e.getKey(), "is not one of speech, music, overall");
            }
            estimate(e.getValue(), at + ".averages." + e.getKey());
        }
    }

    private static void estimate(JsonElement e, String at) {
        JsonObject o = object(e, at);
        range(o, "accuracy", at, 0, 1);
        interval(o, "ci", at, 0, 1);
        if (o.has("test_clips")) {
            double n = number(o, "test_clips", at);
            if (n < 1 || n != Math.rint(n)) throw bad(at + ".test_clips", "must be a positive whole number, got " + n);
        }
    }

    private static void checkEvaluation(JsonObject row, String at) {
        if (!row.has("evaluation")) return;   // optional: older files
        String ev = string(row, "evaluation", at);
        if (!ev.equals(COMPARISON) && !ev.equals(SWEEP)) throw bad(at + ".evaluation", "is '" + ev + "'; expected comparison or sweep");
    }

    private static void interval(JsonObject o, String key, String at, double lo, double hi) {
        JsonElement e = required(o, key, at);
        if (!e.isJsonArray() || e.getAsJsonArray().size() != 2) throw bad(at + "." + key, "must be [low, high], got " + e);
        double[] v = new double[2];
        for (int i = 0; i < 2; i++) {
            JsonElement x = e.getAsJsonArray().get(i);
            if (!(x.isJsonPrimitive() && x.getAsJsonPrimitive().isNumber())) throw bad(at + "." + key, "must hold two numbers, got " + e);
            v[i] = x.getAsDouble();
            if (!(v[i] >= lo && v[i] <= hi)) throw bad(at + "." + key, "value " + v[i] + " is outside [" + lo + ", " + hi + "]");
        }
        if (v[0] > v[1]) throw bad(at + "." + key, "low " + v[0] + " is above high " + v[1]);
    }

    private static double range(JsonObject o, String key, String at, double lo, double hi) {
        double v = number(o, key, at);
        if (!(v >= lo && v <= hi)) throw bad(at + "." + key, "is " + v + ", outside [" + lo + ", " + hi + "]");
        return v;
    }

    private static double number(JsonObject o, String key, String at) {
        JsonElement e = required(o, key, at);
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) throw bad(at + "." + key, "must be a number, got " + e);
        return e.getAsDouble();
    }

    private static String string(JsonObject o, String key, String at) {
        JsonElement e = required(o, key, at);
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) || e.getAsString().isEmpty()) {
            throw bad(at + "." + key, "must be a non-empty string, got " + e);
        }
        return e.getAsString();
    }

    private static JsonArray array(JsonObject o, String key, String at) {
        JsonElement e = required(o, key, at);
        if (!e.isJsonArray()) throw bad(at + "." + key, "must be an array, got " + e);
        return e.getAsJsonArray();
    }

    private static JsonObject object(JsonElement e, String at) {
        if (e == null || !e.isJsonObject()) throw bad(at, "must be an object, got " + e);
        return e.getAsJsonObject();
    }

    private static JsonElement required(JsonObject o, String key, String at) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) throw bad(at, "has no '" + key + "'");
        return e;
    }

    private static IllegalArgumentException bad(String at, String what) {
        return new IllegalArgumentException("summary.json: " + at + " " + what);
    }

}
