package org.permerge.bench.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.permerge.io.AtomicFiles;
import org.permerge.checkpoint.HttpDownload;

/**
 * Downloads a dataset described by a {@link DatasetManifest} into {@code <root>/<name>/}: each archive is fetched
 * (resuming a partial download, trying mirrors in order), checked against the published size and checksum, its
 * sha256 recorded in {@code download-record.json} on first download (so later downloads of an "unverified" file
 * are verified against the first one), and unpacked once.
 *
 * <p>The archives, the record and the unpack markers live in a separate tree, {@code <root>/.downloads/<name>/}
 * (see {@link #recordFolder}), never in the folder archives unpack into: an archive entry can then never replace
 * the record or an archive, so a forged archive cannot plant the checksum a later run trusts. (Archives that earlier
 * versions kept in {@code <dataset>/downloads/} are not reused: that folder was writable by archive entries.)
 */
public final class DatasetDownload {
    /** Record of the sha256 of every file downloaded, per dataset folder. */
    public static final String RECORD_FILE = "download-record.json";

    /** How one URL is fetched to one file (resumable, verified against a sha256 when one is given). */
    @FunctionalInterface
    public interface Fetcher {
        Path fetch(URI url, Path target, String sha256OrNull);
    }

    /**
     * What happened to one archive.
     *
     * @param file     the local file name
     * @param path     where the archive is
     * @param sha256   its sha256
     * @param verified how its content was checked: {@code published <alg>}, {@code recorded sha256}, or
     *                 {@code recorded now (unverified)}
     * @param unpacked number of files unpacked now (0 when already unpacked or not an archive)
     */
    public record FileResult(String file, Path path, String sha256, String verified, int unpacked) {}

    private final Fetcher fetcher;

    /** A downloader that fetches with the given fetcher. */
    public DatasetDownload(Fetcher fetcher) {
        this.fetcher = Objects.requireNonNull(fetcher);
    }

    /** A downloader over HTTP(S) with {@link HttpDownload} (resumable, atomic, honours HF_HUB_OFFLINE). */
    public static DatasetDownload http() {
        return new DatasetDownload(HttpDownload::fetch);
    }

    /** The folder a dataset lands in (unpacked data only). */
    public static Path datasetFolder(DatasetManifest m, Path root) {
        return root.resolve(m.name());
    }

    /**
     * The folder holding a dataset's archives ({@code archives/}), {@link #RECORD_FILE} and unpack markers
     * ({@code unpacked/}); beside the dataset folders, so nothing unpacked can reach it. Dataset names never start
     * with a dot, so it cannot be a dataset's folder either.
     */
    public static Path recordFolder(DatasetManifest m, Path root) {
        return root.resolve(".downloads").resolve(m.name());
    }

    /** Downloads, verifies and unpacks every file of a dataset; returns one result per file. */
    public List<FileResult> download(DatasetManifest m, Path root) {
        Path dir = datasetFolder(m, root);
        Path records = recordFolder(m, root);
        Path downloads = records.resolve("archives");
        Path recordFile = records.resolve(RECORD_FILE);
        JsonObject record = readRecord(recordFile);
        List<FileResult> results = new ArrayList<>();
        for (DatasetManifest.RemoteFile f : m.files()) {
            Path target = downloads.resolve(f.file());
            String recorded = record.has(f.file()) ? record.getAsJsonObject(f.file()).get("sha256").getAsString() : null;
            DatasetManifest.Checksum published = f.checksum();
            String expectedSha256 = published != null && published.algorithm().equals("sha256") ? published.value() : recorded;
            fetchFromAny(f, target, expectedSha256);
            if (f.size() != null) {
                long size = size(target);
                if (size != f.size()) {
                    delete(target);
                    throw new IllegalStateException(m.name() + "/" + f.file() + ": downloaded " + size + " bytes, the source publishes "
                            + f.size() + "; the file was deleted (retry, or the source changed it)");
                }
            }
            String sha256 = digest(target, "SHA-256");
            String verified;
            if (published != null) {
                String got = published.algorithm().equals("sha256") ? sha256 : digest(target, published.jcaName());
                if (!got.equals(published.value())) {
                    delete(target);
                    throw new IllegalStateException(m.name() + "/" + f.file() + ": " + published.algorithm() + " is " + got
                            + ", published (" + published.source() + ") is " + published.value() + "; the file was deleted");
                }
                verified = "published " + published.algorithm();
            } else if (recorded != null) {
                if (!recorded.equals(sha256)) {
                    delete(target);
                    throw new IllegalStateException(m.name() + "/" + f.file() + ": sha256 " + sha256 + " differs from the one recorded on"
                            + " first download (" + recorded + ", in " + recordFile + "); the file was deleted");
                }
                verified = "recorded sha256";
            } else {
                verified = "recorded now (unverified)";
            }
            if (recorded == null) {
                JsonObject entry = new JsonObject();
                entry.addProperty("sha256", sha256);
                entry.addProperty("size", size(target));
                entry.addProperty("url", f.urls().get(0).toString());
                entry.addProperty("recorded_at", Instant.now().toString());
                entry.addProperty("checked_against", published == null ? "nothing published" : published.algorithm() + " from " + published.source());
                record.add(f.file(), entry);
                writeRecord(recordFile, record);
            }
            int unpacked = 0;
            if (!f.unpack().equals("none")) {
                Path marker = records.resolve("unpacked").resolve(f.file());
                if (!(Files.isRegularFile(marker) && sha256.equals(readString(marker).trim()))) {
                    Path into = dir.resolve(f.into()).normalize();
                    Archives.refuseLinksBelow(root, into);
                    unpacked = Archives.unpack(target, f.unpack(), into);
                    AtomicFiles.writeString(marker, sha256 + "\n");
                }
            }
            results.add(new FileResult(f.file(), target, sha256, verified, unpacked));
        }
        return results;
    }

    private void fetchFromAny(DatasetManifest.RemoteFile f, Path target, String sha256) {
        List<String> failures = new ArrayList<>();
        for (URI url : f.urls()) {
            try {
                fetcher.fetch(url, target, sha256);
                return;
            } catch (RuntimeException e) {
                failures.add(url + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("could not download " + f.file() + " from any of its " + f.urls().size()
                + " sources:\n  " + String.join("\n  ", failures));
    }

    /** Hex digest of a file with a JCA algorithm ("SHA-256", "SHA-1", "MD5"). */
    public static String digest(Path file, String algorithm) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("no digest algorithm " + algorithm, e);
        }
    }

    private static JsonObject readRecord(Path file) {
        if (!Files.isRegularFile(file)) return new JsonObject();
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the download record " + file + " (" + e.getMessage()
                    + "); fix or delete it to record the checksums again", e);
        }
    }

    private static void writeRecord(Path file, JsonObject record) {
        Gson gson = new GsonBuilder().setPrettyPrinting().create();
        AtomicFiles.writeString(file, gson.toJson(record) + "\n");
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
