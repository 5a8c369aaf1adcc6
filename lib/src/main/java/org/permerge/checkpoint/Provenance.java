package org.permerge.checkpoint;

import org.permerge.Version;
import org.permerge.io.AtomicFiles;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a result came from, as every command records it: one record, written as flat string entries under fixed keys
 * by one writer ({@link #toMetadata}) into a statistics file's or checkpoint's safetensors metadata and into
 * {@value #FILE} files, and read back by one reader ({@link #fromMetadata}) that also understands the keys older
 * versions wrote.
 *
 * <p>The keys: {@code command}, {@code permerge.version}, {@code git.commit}, {@code started} (ISO-8601),
 * {@code elapsed_s}, {@code threads} and {@code precision} always (a value nobody recorded is written as
 * {@value #UNKNOWN}); per model role {@code model.<role>} (the reference as given: folder, file or hub id) and
 * {@code model.<role>.sha256} (weights hash); per data file {@code <role>.manifest} and {@code <role>.sha256}, e.g.
 * {@code calibration.manifest} (the keys a statistics file has always used); per seed {@code seed.<name>}; each step's
 * own section as {@code <step>.<key>}, e.g. {@code merge.recipe}; and any other entry as given.
 *
 * @param command    the command line that produced the result, e.g. {@code ./permerge merge --a ...}
 * @param version    permerge's version
 * @param gitCommit  the source's git commit ({@code -dirty} when it had uncommitted changes), null when unknown
 * @param started    when the run started (to the millisecond)
 * @param elapsed    how long it ran (to the millisecond), null while it runs
 * @param threads    worker threads the step ran with (libtorch intra-op threads for encoder steps)
 * @param precision  the arithmetic or sample format of the result (e.g. {@code F32} weights, {@code float64} co-moments)
 * @param models     models by role ({@code A}, {@code B}, {@code source}, {@code init}): reference and weights hash
 * @param data       data files by role ({@code calibration}, {@code corpus}, {@code input}): path and sha256
 * @param seeds      seeds by what they drew
 * @param steps      each step's section, step name to its entries
 * @param extras     entries under no fixed key, kept as given
 */
public record Provenance(String command, String version, String gitCommit, Instant started, Duration elapsed,
                         Integer threads, String precision, Map<String, Model> models, Map<String, DataFile> data,
                         Map<String, Long> seeds, Map<String, Map<String, String>> steps, Map<String, String> extras) {
    /** How a value nobody recorded is written. */
    public static final String UNKNOWN = "unknown";
    /** The file a result folder's provenance is written to. */
    public static final String FILE = "permerge-provenance.json";
    /** The keys every record writes, in order. */
    public static final List<String> REQUIRED = List.of("command", "permerge.version", "git.commit", "started", "elapsed_s",
            "threads", "precision");
    /**
     * Keys older versions wrote, with the key that replaced each: read from files written before, never written.
     * ({@code pretrain.*} and {@code permute.*} from checkpoint folders, {@code permerge_version} and
     * {@code elapsed_seconds} from study results, {@code model}/{@code input} from {@code forward} outputs.)
     */
    public static final Map<String, String> OLD_KEYS = Map.ofEntries(Map.entry("pretrain.command", "command"),
            Map.entry("permerge_version", "permerge.version"), Map.entry("elapsed_seconds", "elapsed_s"),
            Map.entry("corpus.manifest_sha256", "corpus.sha256"), Map.entry("permute.source", "model.source"),
            Map.entry("permute.seed", "seed.permute"), Map.entry("pretrain.seed", "seed.pretrain"),
            Map.entry("pretrain.init_seed", "seed.init"), Map.entry("pretrain.init_from", "model.init"),
            Map.entry("pretrain.init_from_sha256", "pretrain.init_from_file_sha256"), Map.entry("model", "model.source"),
            Map.entry("input", "input.manifest"));

    private static final Pattern MODEL = Pattern.compile("model\\.([^.]+)(\\.sha256)?");
    private static final Pattern DATA = Pattern.compile("([^.]+)\\.(manifest|sha256)");
    private static final Pattern SEED = Pattern.compile("seed\\.([^.]+)");

    /**
     * A model as a result names it.
     *
     * @param reference how it was given (folder, weights file or hub id)
     * @param sha256    hash of its weights, null when not recorded
     */
    public record Model(String reference, String sha256) {}

    /**
     * A data file (manifest or other input) as a result names it.
     *
     * @param path   where it was read, or a description of data held in memory
     * @param sha256 hash of its bytes, null when not recorded
     */
    public record DataFile(String path, String sha256) {}

    public Provenance {
        models = Collections.unmodifiableMap(new TreeMap<>(models));
        data = Collections.unmodifiableMap(new TreeMap<>(data));
        seeds = Collections.unmodifiableMap(new TreeMap<>(seeds));
        Map<String, Map<String, String>> s = new TreeMap<>();
        for (Map.Entry<String, Map<String, String>> e : steps.entrySet()) {
            if (!e.getValue().isEmpty()) s.put(e.getKey(), Collections.unmodifiableMap(new TreeMap<>(e.getValue())));
        }
        steps = Collections.unmodifiableMap(s);
        extras = Collections.unmodifiableMap(new TreeMap<>(extras));
        // What the writer puts under a key must be what the reader takes from it.
        for (String k : extras.keySet()) {
            if (k.contains(".") || REQUIRED.contains(k) || OLD_KEYS.containsKey(k)) {
                throw new IllegalArgumentException("provenance extra '" + k + "' would be read back as another field: extras are "
                        + "one word and not a fixed key");
            }
        }
        for (String step : steps.keySet()) requireStep(step);
    }

    /** Nothing recorded but this version of permerge. */
    public static Provenance of() {
        return new Provenance(null, Version.VERSION, null, null, null, null, null, Map.of(), Map.of(), Map.of(),
                Map.of(), Map.of());
    }

    /**
     * A run starting now: the command line, this version, and the git commit of {@code projectDir} (null when it is not
     * a git checkout or git is missing).
     */
    public static Provenance start(String command, Path projectDir) {
        return new Provenance(command, Version.VERSION, projectDir == null ? null : gitCommit(projectDir),
                Instant.now().truncatedTo(ChronoUnit.MILLIS), null, null, null, Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    }

    /** The same run, finished now: its elapsed time is set (to the millisecond). */
    public Provenance finished() {
        Duration d = started == null ? null : Duration.ofMillis(Duration.between(started, Instant.now()).toMillis());
        return new Provenance(command, version, gitCommit, started, d, threads, precision, models, data, seeds, steps, extras);
    }

    public Provenance withThreads(int n) {
        return new Provenance(command, version, gitCommit, started, elapsed, n, precision, models, data, seeds, steps, extras);
    }

    public Provenance withPrecision(String p) {
        return new Provenance(command, version, gitCommit, started, elapsed, threads, p, models, data, seeds, steps, extras);
    }

    /** Adds (or replaces) a model role. */
    public Provenance withModel(String role, String reference, String sha256) {
        requireRole(role);
        Map<String, Model> m = new LinkedHashMap<>(models);
        m.put(role, new Model(reference, sha256));
        return new Provenance(command, version, gitCommit, started, elapsed, threads, precision, m, data, seeds, steps, extras);
    }

    /** Adds (or replaces) a data file role. */
    public Provenance withData(String role, String path, String sha256) {
        requireRole(role);
        if (role.equals("model") || role.equals("seed")) throw new IllegalArgumentException("'" + role + "' is not a data role");
        Map<String, DataFile> m = new LinkedHashMap<>(data);
        m.put(role, new DataFile(path, sha256));
        return new Provenance(command, version, gitCommit, started, elapsed, threads, precision, models, m, seeds, steps, extras);
    }

    public Provenance withSeed(String name, long seed) {
        requireRole(name);
        Map<String, Long> m = new LinkedHashMap<>(seeds);
        m.put(name, seed);
        return new Provenance(command, version, gitCommit, started, elapsed, threads, precision, models, data, m, steps, extras);
    }

    /** Adds entries to a step's section ({@code <step>.<key>} when written). */
    public Provenance withStep(String step, Map<String, String> entries) {
        requireStep(step);
        Map<String, Map<String, String>> m = new LinkedHashMap<>(steps);
        Map<String, String> section = new LinkedHashMap<>(m.getOrDefault(step, Map.of()));
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (e.getKey().equals("manifest") || e.getKey().equals("sha256")) {
                throw new IllegalArgumentException("'" + step + "." + e.getKey() + "' names a data file: use withData");
            }
            section.put(e.getKey(), e.getValue());
        }
        m.put(step, section);
        return new Provenance(command, version, gitCommit, started, elapsed, threads, precision, models, data, seeds, m, extras);
    }

    /** The entries given, read under the fixed keys (as {@link #fromMetadata} reads them) over this record's. */
    public Provenance with(Map<String, String> entries) {
        Map<String, String> meta = toMetadata();
        meta.putAll(entries);
        return fromMetadata(meta);
    }

    /** A step's section (empty when not recorded). */
    public Map<String, String> step(String name) {
        return steps.getOrDefault(name, Map.of());
    }

    private static void requireStep(String step) {
        requireRole(step);
        if (List.of("model", "seed", "permerge", "git").contains(step)) {
            throw new IllegalArgumentException("'" + step + "' is not a step name: its keys are fixed ones");
        }
    }

    private static void requireRole(String role) {
        if (role == null || role.isEmpty() || role.contains(".")) {
            throw new IllegalArgumentException("a provenance role, seed or step name is one word without dots, got '" + role + "'");
        }
    }

    /** The one writer: the fixed keys (unrecorded ones as {@value #UNKNOWN}), models, data, seeds, steps, then extras. */
    public Map<String, String> toMetadata() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("command", text(command));
        out.put("permerge.version", text(version));
        out.put("git.commit", text(gitCommit));
        out.put("started", started == null ? UNKNOWN : started.toString());
        out.put("elapsed_s", elapsed == null ? UNKNOWN : String.format(Locale.ROOT, "%.3f", elapsed.toMillis() / 1000.0));
        out.put("threads", threads == null ? UNKNOWN : threads.toString());
        out.put("precision", text(precision));
        for (Map.Entry<String, Model> e : models.entrySet()) {
            out.put("model." + e.getKey(), text(e.getValue().reference()));
            out.put("model." + e.getKey() + ".sha256", text(e.getValue().sha256()));
        }
        for (Map.Entry<String, DataFile> e : data.entrySet()) {
            out.put(e.getKey() + ".manifest", text(e.getValue().path()));
            out.put(e.getKey() + ".sha256", text(e.getValue().sha256()));
        }
        for (Map.Entry<String, Long> e : seeds.entrySet()) out.put("seed." + e.getKey(), e.getValue().toString());
        for (Map.Entry<String, Map<String, String>> s : steps.entrySet()) {
            for (Map.Entry<String, String> e : s.getValue().entrySet()) out.put(s.getKey() + "." + e.getKey(), e.getValue());
        }
        out.putAll(extras);
        return out;
    }

    private static String text(String s) {
        return s == null ? UNKNOWN : s;
    }

    /**
     * The one reader: fixed keys into their fields, model, data and seed keys into theirs, {@code <step>.<key>} into
     * the step's section, the rest into extras. Keys of older versions ({@link #OLD_KEYS}) are read as their
     * replacements where the new key is absent.
     */
    public static Provenance fromMetadata(Map<String, String> meta) {
        Map<String, String> m = new LinkedHashMap<>(meta);
        for (Map.Entry<String, String> old : OLD_KEYS.entrySet()) {
            String v = m.remove(old.getKey());
            if (v != null) m.putIfAbsent(old.getValue(), v);
        }
        String command = value(m.remove("command"));
        String version = value(m.remove("permerge.version"));
        String git = value(m.remove("git.commit"));
        String startedText = value(m.remove("started"));
        String elapsedText = value(m.remove("elapsed_s"));
        String threadsText = value(m.remove("threads"));
        String precision = value(m.remove("precision"));
        Instant started;
        try {
            started = startedText == null ? null : Instant.parse(startedText);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("provenance entry 'started' should be an ISO-8601 instant, got '" + startedText + "'");
        }
        Duration elapsed = elapsedText == null ? null : Duration.ofMillis(Math.round(number("elapsed_s", elapsedText) * 1000));
        Integer threads = threadsText == null ? null : (int) number("threads", threadsText);
        Map<String, String[]> models = new LinkedHashMap<>();
        Map<String, String[]> data = new LinkedHashMap<>();
        Map<String, Long> seeds = new LinkedHashMap<>();
        Map<String, Map<String, String>> steps = new LinkedHashMap<>();
        Map<String, String> extras = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : m.entrySet()) {
            String k = e.getKey();
            Matcher mm = MODEL.matcher(k);
            Matcher dm = DATA.matcher(k);
            Matcher sm = SEED.matcher(k);
            if (mm.matches()) {
                models.computeIfAbsent(mm.group(1), r -> new String[2])[mm.group(2) == null ? 0 : 1] = value(e.getValue());
            } else if (dm.matches()) {
                data.computeIfAbsent(dm.group(1), r -> new String[2])[dm.group(2).equals("manifest") ? 0 : 1] = value(e.getValue());
            } else if (sm.matches()) {
                seeds.put(sm.group(1), (long) number(k, e.getValue()));
            } else if (k.indexOf('.') > 0) {
                int dot = k.indexOf('.');
                steps.computeIfAbsent(k.substring(0, dot), s -> new LinkedHashMap<>()).put(k.substring(dot + 1), e.getValue());
            } else {
                extras.put(k, e.getValue());
            }
        }
        Map<String, Model> modelRecords = new LinkedHashMap<>();
        models.forEach((role, v) -> modelRecords.put(role, new Model(v[0], v[1])));
        Map<String, DataFile> dataRecords = new LinkedHashMap<>();
        data.forEach((role, v) -> dataRecords.put(role, new DataFile(v[0], v[1])));
        return new Provenance(command, version, git, started, elapsed, threads, precision, modelRecords, dataRecords, seeds, steps, extras);
    }

    private static String value(String v) {
        return v == null || v.equals(UNKNOWN) ? null : v;
    }

    private static double number(String key, String v) {
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isFinite(d)) {
                if (!key.equals("elapsed_s") && d != Math.rint(d)) throw new NumberFormatException();
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("provenance entry '" + key + "' should be a " + (key.equals("elapsed_s") ? "" : "whole ")
                + "number, got '" + v + "'");
    }

    /** The floating-point formats a set of weights is stored in, e.g. {@code F32} (several joined by {@code +}). */
    public static String precisionOf(StateDict weights) {
        java.util.Set<String> kinds = new java.util.TreeSet<>();
        for (String n : weights.names()) {
            DType t = weights.get(n).dtype();
            if (t.isFloating()) kinds.add(t.safetensorsName());
        }
        return kinds.isEmpty() ? null : String.join("+", kinds);
    }

    /** The entries as a JSON object of strings, sorted by key: the {@value #FILE} format. */
    public static String toJson(Map<String, String> entries) {
        JsonObject o = new JsonObject();
        for (Map.Entry<String, String> e : new TreeMap<>(entries).entrySet()) o.addProperty(e.getKey(), e.getValue());
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n";
    }

    /** Writes the record as a {@value #FILE}-format file, atomically. */
    public void write(Path file) {
        AtomicFiles.writeString(file, toJson(toMetadata()));
    }

    /** Reads a {@value #FILE}-format file (this version's or an older one's); a malformed file is named. */
    public static Provenance read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("provenance file not found: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> entries = new LinkedHashMap<>();
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) throw new IllegalArgumentException(file + ": expected a JSON object of provenance entries");
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
                if (!e.getValue().isJsonPrimitive()) {
                    throw new IllegalArgumentException(file + ": provenance entry '" + e.getKey() + "' should be a string, got " + e.getValue());
                }
                entries.put(e.getKey(), e.getValue().getAsString());
            }
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not JSON: " + e.getMessage());
        }
        try {
            return fromMetadata(entries);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The git commit of the checkout {@code projectDir} lies in, with {@code -dirty} when tracked files have uncommitted
     * changes; null when it is not a git checkout or git is missing.
     */
    public static String gitCommit(Path projectDir) {
        String head = exec(projectDir, "git", "rev-parse", "HEAD");
        if (head == null) return null;
        String status = exec(projectDir, "git", "status", "--porcelain", "--untracked-files=no");
        return status != null && !status.isBlank() ? head + "-dirty" : head;
    }

    private static String exec(Path dir, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
