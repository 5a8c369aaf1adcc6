package org.permerge.audio;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import org.permerge.io.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A corpus manifest in JSON Lines: a header line {@code {"manifest": {...}}} recording how the corpus was made
 * (generator, seeds, tool versions, split rules), then one line per clip with its id, path (relative to the
 * audio root), duration, sample rate, labels, split and sha256.
 *
 * <p>Rows may also carry {@code "splits"}, one split per task (e.g. {@code {"word":"train","speaker":"test"}}),
 * because each task holds out a different factor; {@link #task(String)} gives the view in which each clip's
 * {@link Clip#split()} is its split for that task. The audio root is the manifest's folder, or the header's
 * {@code "audio_root"} resolved against it, so a manifest copied elsewhere still finds its audio.
 */
public final class Manifest {
    /** Header key of the (optional) audio root, relative to the manifest's folder. */
    public static final String AUDIO_ROOT = "audio_root";
    /** Bytes a clip file may take per recorded sample (8 channels of float64), beyond which it is refused unread. */
    static final long MAX_BYTES_PER_SAMPLE = 64;
    /** Files already verified in this process (path, size, modification time, hash): each is hashed once per run. */
    private static final Set<String> VERIFIED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Files modified more recently than this are hashed on every load (their modification time may not change on a rewrite). */
    static final long RACY_SECONDS = 2;

    /**
     * How a manifest is read.
     *
     * @param verifyAudio whether {@link Clip#load()} checks each file's sha256 against the manifest (on by default).
     *                    The hash is taken over the bytes already read for decoding, once per file per run (a file
     *                    loaded again with the same size and modification time is not hashed again): about 3.6 ms per
     *                    15 s clip at 16 kHz on a slow core, against seconds for its forward pass. A command's
     *                    {@code --no-verify} reads its manifest with this off; other manifests of the same process keep
     *                    their own setting.
     */
    public record ReadOptions(boolean verifyAudio) {
        /** Audio verified on load. */
        public static ReadOptions defaults() {
            return new ReadOptions(true);
        }

        /** A copy with audio verification on or off. */
        public ReadOptions withVerifyAudio(boolean verify) {
            return new ReadOptions(verify);
        }
    }
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping()
            .setObjectToNumberStrategy(com.google.gson.ToNumberPolicy.LONG_OR_DOUBLE).create();

    /**
     * One clip of a manifest.
     *
     * @param id         unique within the manifest
     * @param path       audio file relative to the manifest's audio root, '/'-separated
     * @param duration   seconds
     * @param sampleRate samples per second
     * @param labels     class labels by name (e.g. word, speaker); empty for unlabeled clips
     * @param split      the clip's split ("train", "dev", "test", "calibration", ...) in this view
     * @param splits     per-task splits, task name to split; empty when the manifest has one split per clip
     * @param factors    nuisance and generation factors (numbers or strings) recorded for analysis
     * @param sha256     hex digest of the audio file
     * @param root       the folder {@code path} is relative to
     * @param verifyAudio whether {@link #load()} checks the file against {@code sha256} (see {@link ReadOptions})
     */
    public record Clip(String id, String path, double duration, int sampleRate, Map<String, String> labels,
                       String split, Map<String, String> splits, Map<String, Object> factors, String sha256,
                       Path root, boolean verifyAudio) {
        public Clip {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(path, "path");
            labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
            splits = Collections.unmodifiableMap(new LinkedHashMap<>(splits));
            factors = Collections.unmodifiableMap(new LinkedHashMap<>(factors));
        }

        /** A clip whose audio is verified on load. */
        public Clip(String id, String path, double duration, int sampleRate, Map<String, String> labels,
                    String split, Map<String, String> splits, Map<String, Object> factors, String sha256, Path root) {
            this(id, path, duration, sampleRate, labels, split, splits, factors, sha256, root, true);
        }

        /** The audio file on disk. */
        public Path file() {
            return root.resolve(path).normalize();
        }

        /**
         * The clip's file, checked: it must resolve (symbolic links included) inside the audio root and be a regular
         * file (not a device, FIFO or folder), of a size its recorded duration can explain.
         */
        public Path checkedFile() {
            Path f = file();
            Path real;
            Path realRoot;
            try {
                realRoot = root.toRealPath();
            } catch (IOException e) {
                throw new UncheckedIOException("the audio root " + root + " of clip " + id + " does not exist or cannot be read", e);
            }
            try {
                real = f.toRealPath();
            } catch (NoSuchFileException e) {
                throw new UncheckedIOException("audio file of clip " + id + " not found: " + f, e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot resolve the audio file " + f + " of clip " + id + ": " + e.getMessage(), e);
            }
            if (!f.startsWith(root.normalize()) || !real.startsWith(realRoot)) {
                throw new IllegalArgumentException("clip " + id + ": " + f + " resolves to " + real + ", outside the manifest's audio root "
                        + realRoot + "; refused (clip paths must stay inside the audio root)");
            }
            if (!Files.isRegularFile(real)) {
                throw new IllegalArgumentException("clip " + id + ": " + f + " is not a regular file (a folder, device or FIFO); refused");
            }
            long size;
            try {
                size = Files.size(real);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
            long max = (long) Math.ceil((duration + 1) * sampleRate) * MAX_BYTES_PER_SAMPLE + (1 << 20);
            if (size > max) {
                throw new IllegalArgumentException("clip " + id + ": " + f + " is " + size + " bytes, more than " + max + " that "
                        + duration + " s at " + sampleRate + " Hz can take; refused unread");
            }
            return real;
        }

        /**
         * Reads the clip's audio from a {@linkplain #checkedFile() checked file}, verifying its sha256 against the
         * manifest (unless it was read with verification off, {@link ReadOptions}) and that it has the recorded sample rate.
         */
        public Audio load() {
            Path real = checkedFile();
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(real);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file() + " (clip " + id + "): " + e.getMessage(), e);
            }
            if (verifyAudio && sha256 != null) { // a clip made in memory may carry no hash yet; one read from a file always does
                String key = verifiedKey(real, bytes.length);
                String h = key != null && VERIFIED.contains(key) ? sha256 : Manifest.sha256(bytes);
                if (h.equals(sha256) && key != null) VERIFIED.add(key);
                if (!h.equals(sha256)) {
                    throw new IllegalStateException("clip " + id + ": " + file() + " has sha256 " + h + ", the manifest records " + sha256
                            + " (the file changed or the manifest is wrong; --no-verify skips the check)");
                }
            }
            Audio a = Wav.decode(bytes, file().toString());
            if (a.sampleRate() != sampleRate) {
                throw new AudioFormatException(file() + ": sample rate " + a.sampleRate() + " but the manifest records "
                        + sampleRate + " for clip " + id);
            }
            return a;
        }

        /**
         * The key under which a verified file is remembered, or null when it must be hashed every time: as git does
         * for its index, a file modified within the last {@link #RACY_SECONDS} is not trusted by its modification time,
         * since a rewrite within the file system's timestamp granularity would keep the same time.
         */
        private String verifiedKey(Path real, long size) {
            try {
                long mtime = Files.getLastModifiedTime(real).to(java.util.concurrent.TimeUnit.NANOSECONDS);
                java.time.Instant t = java.time.Instant.now();
                long now = t.getEpochSecond() * 1_000_000_000L + t.getNano();
                if (now - mtime < RACY_SECONDS * 1_000_000_000L) return null;
                return real + "\u0000" + size + "\u0000" + mtime + "\u0000" + sha256;
            } catch (IOException e) {
                return null;
            }
        }

        /** A label by name; throws naming the clip when it has no such label. */
        public String label(String name) {
            String v = labels.get(name);
            if (v == null) throw new IllegalArgumentException("clip " + id + " has no label '" + name + "' (has " + labels.keySet() + ")");
            return v;
        }

        Clip withSplit(String s) {
            return new Clip(id, path, duration, sampleRate, labels, s, splits, factors, sha256, root, verifyAudio);
        }
    }

    private final Map<String, Object> header;
    private final List<Clip> clips;
    private final Path root;
    private final String checksum;

    private Manifest(Map<String, Object> header, List<Clip> clips, Path root, String checksum) {
        this.header = Collections.unmodifiableMap(new LinkedHashMap<>(header));
        this.clips = List.copyOf(clips);
        this.root = root;
        this.checksum = checksum;
    }

    /** A manifest held in memory (e.g. by a corpus generator) whose clip paths are relative to {@code root}. */
    public static Manifest of(Map<String, Object> header, List<Clip> clips, Path root) {
        Manifest m = new Manifest(header, clips, root, null);
        return new Manifest(header, clips, root, sha256(m.serialize(header, m.writtenRoot()).getBytes(StandardCharsets.UTF_8)));
    }

    /** Reads a manifest whose clips verify their audio on load; malformed lines name the file and line number. */
    public static Manifest read(Path file) {
        return read(file, ReadOptions.defaults());
    }

    /** Reads a manifest with the given options; malformed lines name the file and line number. */
    public static Manifest read(Path file, ReadOptions options) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("manifest not found: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + file + ": " + e.getMessage(), e);
        }
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        Path dir = file.toAbsolutePath().getParent();
        Map<String, Object> header = null;
        Path root = dir;
        List<Clip> clips = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            String where = file + " line " + (i + 1);
            JsonObject o;
            try {
                o = JsonParser.parseString(line).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IllegalArgumentException(where + ": not a JSON object: " + e.getMessage());
            }
            if (header == null) {
                if (!o.has("manifest") || !o.get("manifest").isJsonObject()) {
                    throw new IllegalArgumentException(where + ": the first line must be the header {\"manifest\": {...}}");
                }
                header = GSON.fromJson(o.get("manifest"), new TypeToken<LinkedHashMap<String, Object>>() {}.getType());
                Object ar = header.get(AUDIO_ROOT);
                if (ar != null) root = dir.resolve(ar.toString()).normalize();
                continue;
            }
            Clip c = parseClip(o, where, root, options.verifyAudio());
            if (!ids.add(c.id())) throw new IllegalArgumentException(where + ": duplicate clip id '" + c.id() + "'");
            clips.add(c);
        }
        if (header == null) throw new IllegalArgumentException(file + ": empty manifest (no header line)");
        return new Manifest(header, clips, root, sha256(bytes));
    }

    private static Clip parseClip(JsonObject o, String where, Path root, boolean verifyAudio) {
        String id = string(o, "id", where, true);
        String path = string(o, "path", where, true);
        if (path.startsWith("/") || path.contains("\\")) {
            throw new IllegalArgumentException(where + ": path '" + path + "' must be relative and '/'-separated");
        }
        Path rel = Path.of(path).normalize();
        if (rel.toString().isEmpty() || rel.startsWith("..")) {
            throw new IllegalArgumentException(where + ": path '" + path + "' leaves the audio root " + root
                    + " (clip paths must name a file inside it)");
        }
        double duration = number(o, "duration", where).doubleValue();
        if (!(duration >= 0) || Double.isInfinite(duration)) {
            throw new IllegalArgumentException(where + ": duration " + duration + " is not a non-negative number of seconds");
        }
        Number sr = number(o, "sample_rate", where);
        if (sr.doubleValue() != sr.intValue() || sr.intValue() <= 0) {
            throw new IllegalArgumentException(where + ": sample_rate " + sr + " is not a positive integer");
        }
        String split = string(o, "split", where, true);
        String sha = string(o, "sha256", where, true);
        if (!sha.matches("[0-9a-f]{64}")) throw new IllegalArgumentException(where + ": sha256 '" + sha + "' is not 64 hex digits");
        return new Clip(id, path, duration, sr.intValue(), stringMap(o, "labels", where), split,
                stringMap(o, "splits", where), objectMap(o, "factors"), sha, root, verifyAudio);
    }

    private static String string(JsonObject o, String key, String where, boolean required) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            if (required) throw new IllegalArgumentException(where + ": missing field '" + key + "'");
            return null;
        }
        if (!e.isJsonPrimitive()) throw new IllegalArgumentException(where + ": field '" + key + "' must be a string");
        return e.getAsString();
    }

    private static Number number(JsonObject o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(where + ": field '" + key + "' must be a number");
        }
        return e.getAsNumber();
    }

    private static Map<String, String> stringMap(JsonObject o, String key, String where) {
        Map<String, String> m = new LinkedHashMap<>();
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) return m;
        if (!e.isJsonObject()) throw new IllegalArgumentException(where + ": field '" + key + "' must be an object");
        for (var en : e.getAsJsonObject().entrySet()) {
            if (!en.getValue().isJsonPrimitive()) {
                throw new IllegalArgumentException(where + ": " + key + "." + en.getKey() + " must be a string or number");
            }
            m.put(en.getKey(), en.getValue().getAsString());
        }
        return m;
    }

    private static Map<String, Object> objectMap(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonObject()) return new LinkedHashMap<>();
        return GSON.fromJson(e, new TypeToken<LinkedHashMap<String, Object>>() {}.getType());
    }

    public List<Clip> clips() {
        return clips;
    }

    public int size() {
        return clips.size();
    }

    public Map<String, Object> header() {
        return header;
    }

    /** The folder clip paths are relative to. */
    public Path audioRoot() {
        return root;
    }

    /**
     * sha256 of the manifest file this was read from (views made by {@link #split}, {@link #task} and
     * {@link #filter} keep it, so results name the file they came from); for a manifest built in memory, of its
     * serialised form.
     */
    public String checksum() {
        return checksum;
    }

    /**
     * The clips of one split. {@code "task/split"} (e.g. {@code "word/test"}) is shorthand for
     * {@code task("word").split("test")}.
     */
    public Manifest split(String name) {
        int slash = name.indexOf('/');
        if (slash >= 0) return task(name.substring(0, slash)).split(name.substring(slash + 1));
        return filter(c -> c.split().equals(name));
    }

    /** The view for one task: clips that have a split for it, each with that split as {@link Clip#split()}. */
    public Manifest task(String task) {
        List<Clip> out = new ArrayList<>();
        for (Clip c : clips) {
            String s = c.splits().get(task);
            if (s != null) out.add(c.withSplit(s));
        }
        if (out.isEmpty() && !clips.isEmpty()) {
            throw new IllegalArgumentException("no clip has a split for task '" + task + "' (tasks: " + tasks() + ")");
        }
        return new Manifest(header, out, root, checksum);
    }

    /** Task names found in the rows' per-task splits. */
    public Set<String> tasks() {
        Set<String> t = new TreeSet<>();
        for (Clip c : clips) t.addAll(c.splits().keySet());
        return t;
    }

    /** Distinct values of a label, sorted (the class list of a task). */
    public List<String> labelValues(String label) {
        Set<String> v = new TreeSet<>();
        for (Clip c : clips) {
            String x = c.labels().get(label);
            if (x != null) v.add(x);
        }
        return List.copyOf(v);
    }

    public Manifest filter(Predicate<Clip> keep) {
        return new Manifest(header, clips.stream().filter(keep).toList(), root, checksum);
    }

    /**
     * Writes the manifest atomically. Clip paths stay as they are; when the target's folder is not the audio root,
     * the header records {@code audio_root} relative to the target's folder.
     */
    public void write(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.remove(AUDIO_ROOT);
        Path absRoot = writtenRoot();
        if (!absRoot.equals(dir.normalize())) h.put(AUDIO_ROOT, dir.normalize().relativize(absRoot).toString().replace('\\', '/'));
        AtomicFiles.writeString(target, serialize(h, absRoot));
    }

    /**
     * The audio root a written copy records: this manifest's root, widened to the deepest folder that also holds
     * every clip drawn from another manifest (e.g. a calibration set mixing two corpora), because a reader refuses
     * clip paths that leave their audio root.
     */
    private Path writtenRoot() {
        Path absRoot = root.toAbsolutePath().normalize();
        for (Clip c : clips) {
            if (c.root() == null) continue;
            Path f = c.root().toAbsolutePath().normalize().resolve(c.path()).normalize();
            while (!f.startsWith(absRoot)) absRoot = absRoot.getParent();
        }
        return absRoot;
    }

    /** A clip's path relative to the written audio root: as recorded, or rebased for a clip from another root. */
    private static String pathFromRoot(Clip c, Path absRoot) {
        Path clipRoot = c.root() == null ? absRoot : c.root().toAbsolutePath().normalize();
        if (clipRoot.equals(absRoot)) return c.path();
        return absRoot.relativize(clipRoot.resolve(c.path()).normalize()).toString().replace('\\', '/');
    }

    private String serialize(Map<String, Object> h, Path absRoot) {
        StringBuilder sb = new StringBuilder();
        sb.append(GSON.toJson(Map.of("manifest", h))).append('\n');
        for (Clip c : clips) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", c.id());
            row.put("path", pathFromRoot(c, absRoot));
            row.put("duration", c.duration());
            row.put("sample_rate", c.sampleRate());
            row.put("labels", c.labels());
            row.put("split", c.split());
            if (!c.splits().isEmpty()) row.put("splits", c.splits());
            if (!c.factors().isEmpty()) row.put("factors", c.factors());
            row.put("sha256", c.sha256());
            sb.append(GSON.toJson(row)).append('\n');
        }
        return sb.toString();
    }

    /** Recomputes every clip's sha256; throws listing the first mismatching or missing files. */
    public void verify() {
        List<String> bad = new ArrayList<>();
        for (Clip c : clips) {
            Path f = c.file();
            if (!Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                bad.add(c.id() + ": missing " + f);
                if (bad.size() >= 5) break;
                continue;
            }
            try {
                String h = sha256(c.checkedFile());
                if (!h.equals(c.sha256())) bad.add(c.id() + ": " + f + " has sha256 " + h + ", manifest says " + c.sha256());
            } catch (RuntimeException e) {
                bad.add(c.id() + ": " + e.getMessage());
            }
            if (bad.size() >= 5) break;
        }
        if (!bad.isEmpty()) throw new IllegalStateException("manifest check failed:\n  " + String.join("\n  ", bad));
    }

    /** Hex sha256 of a file's bytes. */
    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest())) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Hex sha256 of bytes. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
