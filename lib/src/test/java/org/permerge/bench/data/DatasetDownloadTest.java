package org.permerge.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.checkpoint.HttpDownload;

/** Downloads tiny stand-in archives from a loopback HTTP server (with Range support, like real hosts). */
class DatasetDownloadTest {
    private HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final List<String> rangeHeaders = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = files.get(ex.getRequestURI().getPath());
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                ex.close();
                return;
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            int from = 0;
            if (range != null) {
                rangeHeaders.add(range);
                from = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                ex.sendResponseHeaders(206, body.length - from);
            } else {
                ex.sendResponseHeaders(200, body.length);
            }
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body, from, body.length - from);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static byte[] tarGz(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            for (var e : entries.entrySet()) {
                byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(data.length);
                tar.putArchiveEntry(te);
                tar.write(data);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static byte[] zip(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static String hex(String alg, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(data));
    }

    private Path manifest(Path dir, String name, String filesJson) throws IOException {
        Path p = dir.resolve(name + ".json");
        Files.writeString(p, "{\"name\":\"" + name + "\",\"licence\":\"CC BY 4.0\",\"files\":[" + filesJson + "]}");
        return p;
    }

    private DatasetDownload downloader() {
        return new DatasetDownload((url, target, sha) -> new HttpDownload(false, false).download(url, target, sha));
    }

    @Test
    void verifiesPublishedSha256UnpacksOnceAndSkipsOnRerun(@TempDir Path tmp) throws Exception {
        byte[] archive = tarGz(Map.of("train/yes/a.wav", "AAAA", "train/no/b.wav", "BB", "validation_list.txt", "no/b.wav\n"));
        files.put("/sc.tar.gz", archive);
        Path mf = manifest(tmp, "sc", "{\"file\":\"sc.tar.gz\",\"url\":\"" + base + "/sc.tar.gz\",\"size\":" + archive.length
                + ",\"checksum\":{\"algorithm\":\"sha256\",\"value\":\"" + hex("SHA-256", archive) + "\",\"source\":\"test\"},"
                + "\"unpack\":\"tar.gz\",\"into\":\"data\"}");
        DatasetManifest m = DatasetManifest.read(mf);
        Path root = tmp.resolve("out");
        List<DatasetDownload.FileResult> r = downloader().download(m, root);
        assertEquals("published sha256", r.get(0).verified());
        assertEquals(3, r.get(0).unpacked());
        assertEquals("AAAA", Files.readString(root.resolve("sc/data/train/yes/a.wav")));
        assertTrue(Files.isRegularFile(root.resolve(".downloads/sc").resolve(DatasetDownload.RECORD_FILE)));
        int before = requests.get();
        List<DatasetDownload.FileResult> again = downloader().download(m, root);
        assertEquals(before, requests.get(), "a complete, verified file is not fetched again");
        assertEquals(0, again.get(0).unpacked(), "already unpacked");
    }

    @Test
    void resumesAPartialDownloadWithARangeRequest(@TempDir Path tmp) throws Exception {
        byte[] archive = zip(Map.of("VocalSet/f1/x.wav", "0123456789".repeat(50)));
        files.put("/vs.zip", archive);
        Path mf = manifest(tmp, "vs", "{\"file\":\"vs.zip\",\"url\":\"" + base + "/vs.zip\",\"size\":" + archive.length
                + ",\"checksum\":{\"algorithm\":\"md5\",\"value\":\"" + hex("MD5", archive) + "\",\"source\":\"test\"},\"unpack\":\"zip\"}");
        Path root = tmp.resolve("out");
        Path target = root.resolve(".downloads/vs/archives/vs.zip");
        Files.createDirectories(target.getParent());
        Files.write(HttpDownload.partialOf(target), java.util.Arrays.copyOf(archive, archive.length / 2));
        List<DatasetDownload.FileResult> r = downloader().download(DatasetManifest.read(mf), root);
        assertEquals(List.of("bytes=" + archive.length / 2 + "-"), rangeHeaders);
        assertEquals("published md5", r.get(0).verified());
        assertEquals("0123456789".repeat(50), Files.readString(root.resolve("vs/VocalSet/f1/x.wav")));
    }

    @Test
    void wrongPublishedChecksumDeletesTheFile(@TempDir Path tmp) throws Exception {
        byte[] archive = tarGz(Map.of("a.txt", "a"));
        files.put("/g.tar.gz", archive);
        Path mf = manifest(tmp, "g", "{\"file\":\"g.tar.gz\",\"url\":\"" + base + "/g.tar.gz\",\"checksum\":{\"algorithm\":\"md5\","
                + "\"value\":\"00000000000000000000000000000000\",\"source\":\"test\"},\"unpack\":\"tar.gz\"}");
        Path root = tmp.resolve("out");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> downloader().download(DatasetManifest.read(mf), root));
        assertTrue(e.getMessage().contains("md5") && e.getMessage().contains("g.tar.gz"), e.getMessage());
        assertFalse(Files.exists(root.resolve(".downloads/g/archives/g.tar.gz")));
        assertFalse(Files.exists(root.resolve("g/a.txt")), "nothing unpacked");
    }

    @Test
    void unverifiedFileIsRecordedThenCheckedAgainstTheRecord(@TempDir Path tmp) throws Exception {
        byte[] first = tarGz(Map.of("n/a.wav", "first"));
        files.put("/n.tar.gz", first);
        Path mf = manifest(tmp, "n", "{\"file\":\"n.tar.gz\",\"url\":\"" + base + "/missing.tar.gz\",\"mirrors\":[\"" + base
                + "/n.tar.gz\"],\"checksum\":\"unverified\",\"unpack\":\"tar.gz\"}");
        Path root = tmp.resolve("out");
        DatasetManifest m = DatasetManifest.read(mf);
        List<DatasetDownload.FileResult> r = downloader().download(m, root);
        assertEquals("recorded now (unverified)", r.get(0).verified(), "the 404 URL fell through to the mirror");
        assertEquals(hex("SHA-256", first), r.get(0).sha256());
        String record = Files.readString(root.resolve(".downloads/n").resolve(DatasetDownload.RECORD_FILE));
        assertTrue(record.contains(hex("SHA-256", first)), record);

        // The source changes its bytes: a fresh download must now fail against the recorded sha256.
        Files.delete(root.resolve(".downloads/n/archives/n.tar.gz"));
        files.put("/n.tar.gz", tarGz(Map.of("n/a.wav", "second")));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> downloader().download(m, root));
        assertTrue(e.getMessage().contains("n.tar.gz"), e.getMessage());
        assertEquals("first", Files.readString(root.resolve("n/n/a.wav")), "the earlier unpacked data is untouched");
    }

    @Test
    void anArchiveCannotForgeTheChecksumRecord(@TempDir Path tmp) throws Exception {
        byte[] genuine = tarGz(Map.of("n/a.wav", "first"));
        byte[] forged = tarGz(Map.of("n/a.wav", "forged"));
        // The first (unverified, recorded) archive tries to replace the record and the archive for a later run:
        // at the old in-folder places and, by "../", at the new ones.
        String fakeRecord = "{\"f.tar.gz\":{\"sha256\":\"" + hex("SHA-256", forged) + "\"}}";
        byte[] planting = tarGz(Map.of("n/a.wav", "first", DatasetDownload.RECORD_FILE, fakeRecord, "downloads/f.tar.gz", "x"));
        files.put("/f.tar.gz", planting);
        Path mf = manifest(tmp, "f", "{\"file\":\"f.tar.gz\",\"url\":\"" + base + "/f.tar.gz\",\"checksum\":\"unverified\",\"unpack\":\"tar.gz\"}");
        Path root = tmp.resolve("out");
        DatasetManifest m = DatasetManifest.read(mf);
        downloader().download(m, root);
        Path record = root.resolve(".downloads/f").resolve(DatasetDownload.RECORD_FILE);
        assertTrue(Files.readString(record).contains(hex("SHA-256", planting)), "the record holds the real download's hash");
        assertFalse(Files.readString(record).contains(hex("SHA-256", forged)));

        // The source now serves the forged archive: the second run checks it against the genuine record and refuses.
        Files.delete(root.resolve(".downloads/f/archives/f.tar.gz"));
        files.put("/f.tar.gz", forged);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> downloader().download(m, root));
        assertTrue(e.getMessage().contains("expected sha256 " + hex("SHA-256", planting)),
                "checked against the genuine recorded hash: " + e.getMessage());
        assertEquals("first", Files.readString(root.resolve("f/n/a.wav")), "the unpacked data is untouched");

        byte[] escaping = tarGz(Map.of("../.downloads/g/" + DatasetDownload.RECORD_FILE, fakeRecord));
        files.put("/g.tar.gz", escaping);
        Path mg = manifest(tmp, "g", "{\"file\":\"g.tar.gz\",\"url\":\"" + base + "/g.tar.gz\",\"checksum\":\"unverified\",\"unpack\":\"tar.gz\"}");
        Exception eg = assertThrows(RuntimeException.class, () -> downloader().download(DatasetManifest.read(mg), root));
        assertTrue(eg.getMessage().contains("outside"), eg.getMessage());
        assertTrue(Files.readString(root.resolve(".downloads/g").resolve(DatasetDownload.RECORD_FILE)).contains(hex("SHA-256", escaping)));
    }

    @Test
    void archiveEntriesOutsideTheFolderAreRefused(@TempDir Path tmp) throws Exception {
        Path zip = tmp.resolve("evil.zip");
        Files.write(zip, zip(Map.of("../escape.txt", "x")));
        Exception e = assertThrows(RuntimeException.class, () -> Archives.unpack(zip, "zip", tmp.resolve("d")));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("escape.txt")));
    }

    @Test
    void committedManifestsParse() {
        Path dir = Path.of(System.getProperty("permerge.project.dir", "..")).resolve("data-manifests/datasets");
        if (!Files.isDirectory(dir)) dir = Path.of("..", "data-manifests", "datasets");
        Map<String, DatasetManifest> all = DatasetManifest.readAll(dir);
        assertTrue(all.keySet().containsAll(List.of("speech-commands-v1", "nsynth", "gtzan", "vocalset",
                "librispeech-train-clean-100", "fma-small")), all.keySet().toString());
        for (DatasetManifest m : all.values()) {
            assertFalse(m.licence().isBlank(), m.name());
            assertFalse(m.clips().isBlank(), m.name() + " says how clips are derived");
            assertFalse(m.splits().isEmpty(), m.name() + " defines its splits");
        }
    }

    @Test
    void badManifestsAreNamed(@TempDir Path tmp) throws Exception {
        Path mf = manifest(tmp, "bad", "{\"file\":\"x.tar.gz\",\"url\":\"" + base + "/x\",\"checksum\":{\"algorithm\":\"sha256\","
                + "\"value\":\"abc\",\"source\":\"s\"}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetManifest.read(mf));
        assertTrue(e.getMessage().contains("64 hex digits"), e.getMessage());
        Path mf2 = manifest(tmp, "bad2", "{\"file\":\"x.tar.gz\",\"url\":\"" + base + "/x\"}");
        e = assertThrows(IllegalArgumentException.class, () -> DatasetManifest.read(mf2));
        assertTrue(e.getMessage().contains("unverified"), e.getMessage());
    }
}
