package org.permerge.bench.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real dataset's download manifest: where its archives come from, their size and published checksum (or
 * {@code "unverified"}), licence, how clips and labels are derived, and the benchmark's splits.
 *
 * @param name     short name used on the command line ({@code ./permerge download <name>})
 * @param title    human-readable title
 * @param domain   speech or music
 * @param homepage where the dataset is described
 * @param licence  licence as the source states it
 * @param files    the archives to fetch
 * @param tasks    task name → label field (empty for calibration-only sets)
 * @param clips    how clips and labels are derived
 * @param splits   split name → how the benchmark defines it
 * @param source   the manifest file it was read from (null if built in code)
 */
public record DatasetManifest(String name, String title, String domain, String homepage, String licence,
                              List<RemoteFile> files, Map<String, String> tasks, String clips,
                              Map<String, String> splits, Path source) {

    /**
     * A published checksum.
     *
     * @param algorithm {@code sha256}, {@code sha1} or {@code md5}
     * @param value     lower-case hex digest
     * @param source    who publishes it
     */
    public record Checksum(String algorithm, String value, String source) {
        /** Hex digits each algorithm's digest has. */
        static int hexLength(String algorithm) {
            return switch (algorithm) {
                case "sha256" -> 64;
                case "sha1" -> 40;
                case "md5" -> 32;
                default -> -1;
            };
        }

        /** The JCA name of the algorithm. */
        String jcaName() {
            return switch (algorithm) {
                case "sha256" -> "SHA-256";
                case "sha1" -> "SHA-1";
                case "md5" -> "MD5";
                default -> throw new IllegalStateException(algorithm);
            };
        }
    }

    /**
     * One archive of a dataset.
     *
     * @param file     local file name
     * @param urls     the URL, then mirrors, tried in order
     * @param size     size in bytes as published, or null when unknown
     * @param checksum published checksum, or null when unverified (then the sha256 is recorded on first download)
     * @param unpack   {@code tar.gz}, {@code tar}, {@code zip} or {@code none}
     * @param into     folder (relative to the dataset folder) to unpack into
     */
    public record RemoteFile(String file, List<URI> urls, Long size, Checksum checksum, String unpack, String into) {}

    /** Reads and validates one manifest file; every problem names the file and the field. */
    public static DatasetManifest read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset manifest " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(JsonParser.parseString(text).getAsJsonObject(), file);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("dataset manifest " + file + " is not valid: " + e.getMessage(), e);
        }
    }

    /** Every manifest in a folder ({@code *.json}), by name. */
    public static Map<String, DatasetManifest> readAll(Path folder) {
        Map<String, DatasetManifest> out = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                DatasetManifest m = read(p);
                out.put(m.name(), m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list dataset manifests in " + folder + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static DatasetManifest parse(JsonObject o, Path file) {
        String name = required(o, "name", file);
        if (!name.matches("[a-z0-9][a-z0-9._-]*")) {
            throw new IllegalArgumentException(file + ": name '" + name + "' must be lower-case letters, digits, . _ -");
        }
        List<RemoteFile> files = new ArrayList<>();
        if (!o.has("files") || !o.get("files").isJsonArray()) throw new IllegalArgumentException(file + ": no 'files' array");
        for (JsonElement e : o.getAsJsonArray("files")) files.add(parseFile(e.getAsJsonObject(), file));
        if (files.isEmpty()) throw new IllegalArgumentException(file + ": 'files' is empty");
        Map<String, String> tasks = new LinkedHashMap<>();
        if (o.has("tasks")) {
            for (JsonElement e : o.getAsJsonArray("tasks")) {
                JsonObject t = e.getAsJsonObject();
                tasks.put(required(t, "name", file), required(t, "label", file));
            }
        }
        Map<String, String> splits = new LinkedHashMap<>();
        if (o.has("splits")) o.getAsJsonObject("splits").entrySet().forEach(e -> splits.put(e.getKey(), e.getValue().getAsString()));
        return new DatasetManifest(name, optional(o, "title"), optional(o, "domain"), optional(o, "homepage"),
                required(o, "licence", file), List.copyOf(files), tasks, optional(o, "clips"), splits, file);
    }

    private static RemoteFile parseFile(JsonObject f, Path file) {
        String local = required(f, "file", file);
        if (local.contains("/") || local.contains("\\") || local.startsWith(".")) {
            throw new IllegalArgumentException(file + ": file name '" + local + "' must be a plain file name");
        }
        List<URI> urls = new ArrayList<>();
        urls.add(uri(required(f, "url", file), file));
        if (f.has("mirrors")) for (JsonElement m : f.getAsJsonArray("mirrors")) urls.add(uri(m.getAsString(), file));
        Long size = f.has("size") && !f.get("size").isJsonNull() ? f.get("size").getAsLong() : null;
        Checksum checksum = null;
        JsonElement c = f.get("checksum");
        if (c == null) throw new IllegalArgumentException(file + ": " + local + " has no 'checksum' (give one, or \"unverified\")");
        if (c.isJsonPrimitive()) {
            if (!"unverified".equals(c.getAsString())) {
                throw new IllegalArgumentException(file + ": checksum of " + local + " is '" + c.getAsString()
                        + "', expected an object {algorithm, value, source} or \"unverified\"");
            }
        } else {
            JsonObject co = c.getAsJsonObject();
            String alg = required(co, "algorithm", file).toLowerCase(Locale.ROOT);
            String value = required(co, "value", file).toLowerCase(Locale.ROOT);
            int len = Checksum.hexLength(alg);
            if (len < 0) throw new IllegalArgumentException(file + ": checksum algorithm '" + alg + "' of " + local + " (expected sha256, sha1 or md5)");
            if (!value.matches("[0-9a-f]{" + len + "}")) {
                throw new IllegalArgumentException(file + ": " + alg + " of " + local + " must be " + len + " hex digits, got '" + value + "'");
            }
            checksum = new Checksum(alg, value, required(co, "source", file));
        }
        String unpack = f.has("unpack") ? f.get("unpack").getAsString() : "none";
        if (!List.of("tar.gz", "tar", "zip", "none").contains(unpack)) {
            throw new IllegalArgumentException(file + ": unpack '" + unpack + "' of " + local + " (expected tar.gz, tar, zip or none)");
        }
        String into = f.has("into") ? f.get("into").getAsString() : ".";
        if (Path.of(into).isAbsolute() || Path.of(into).normalize().startsWith("..")) {
            throw new IllegalArgumentException(file + ": 'into' of " + local + " must stay inside the dataset folder, got '" + into + "'");
        }
        return new RemoteFile(local, List.copyOf(urls), size, checksum, unpack, into);
    }

    private static URI uri(String s, Path file) {
        try {
            URI u = URI.create(s);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) throw new IllegalArgumentException("not http(s)");
            return u;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": bad URL '" + s + "' (" + e.getMessage() + ")");
        }
    }

    private static String required(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull() || e.getAsString().isBlank()) {
            throw new IllegalArgumentException(file + ": missing field '" + key + "'");
        }
        return e.getAsString();
    }

    private static String optional(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }
}
