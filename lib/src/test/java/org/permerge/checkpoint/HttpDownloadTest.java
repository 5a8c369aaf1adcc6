package org.permerge.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class HttpDownloadTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    byte[] content;
    URI url;

    @BeforeEach
    void start() throws Exception {
        content = new byte[300_000];
        new Random(1).nextBytes(content);
        hub = new FakeHub().file("org/data", "clips.bin", content);
        url = URI.create(hub.endpoint() + "/cdn/" + FakeHub.sha256(content));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HttpDownload downloader(boolean offline) {
        return new HttpDownload(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build(), offline, false, Duration.ZERO);
    }

    @Test
    void downloadsAndVerifies() throws Exception {
        Path target = tmp.resolve("a/clips.bin");
        assertEquals(target, downloader(false).download(url, target, FakeHub.sha256(content).toUpperCase()));
        assertArrayEquals(content, Files.readAllBytes(target));
        assertFalse(Files.exists(HttpDownload.partialOf(target)));
        // A complete, matching target is not fetched again.
        long before = hub.log.size();
        downloader(false).download(url, target, FakeHub.sha256(content));
        assertEquals(before, hub.log.size());
    }

    @Test
    void concurrentFetchesOfOneTargetTakeTurnsAndDownloadOnce() throws Exception {
        Path target = tmp.resolve("shared/clips.bin");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<Path>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> downloader(false).download(url, target, FakeHub.sha256(content))));
            }
            for (var r : results) assertEquals(target, r.get());
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(content, Files.readAllBytes(target));
        assertEquals(1, hub.requests("GET "), hub.log.toString());
        assertFalse(Files.exists(HttpDownload.partialOf(target)));
    }

    @Test
    void aHopelessConnectionKeepsThePartialFileAndTheNextCallResumesIt() throws Exception {
        hub.cutAfter = 50_000;
        Path target = tmp.resolve("clips.bin");
        DownloadException e = assertThrows(DownloadException.class, () -> downloader(false).download(url, target, FakeHub.sha256(content)));
        assertTrue(e.getMessage().contains("failed " + HttpDownload.ATTEMPTS + " times") && e.getMessage().contains(".partial"), e.getMessage());
        assertFalse(Files.exists(target));
        long kept = Files.size(HttpDownload.partialOf(target));
        // Each attempt resumed where the previous stopped. The server sends 50 000 bytes and then drops the
        // connection; the client may lose the tail of what was in flight, so the check is on the requested ranges:
        // no attempt starts before the previous one or more than 50 000 bytes after it, later attempts start past
        // byte 0 (resumed, not restarted), and the partial file ends at most 50 000 bytes after the last start.
        java.util.List<Long> starts = new java.util.ArrayList<>();
        for (String line : hub.log) {
            if (!line.startsWith("GET " + url.getPath())) continue;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes=(\\d+)-").matcher(line);
            starts.add(m.find() ? Long.parseLong(m.group(1)) : 0L);
        }
        assertEquals(HttpDownload.ATTEMPTS, starts.size(), hub.log.toString());
        for (int i = 1; i < starts.size(); i++) {
            long step = starts.get(i) - starts.get(i - 1);
            assertTrue(step >= 0 && step <= 50_000, "attempt " + i + " resumed at " + starts.get(i) + " after " + starts.get(i - 1) + ": " + hub.log);
        }
        long last = starts.get(starts.size() - 1);
        assertTrue(last > 0, "the later attempts resumed instead of starting over: " + hub.log);
        assertTrue(kept >= last && kept - last <= 50_000, "partial file of " + kept + " bytes after a last attempt from " + last);
        hub.cutAfter = -1;
        downloader(false).download(url, target, FakeHub.sha256(content));
        assertArrayEquals(content, Files.readAllBytes(target));
        assertTrue(hub.log.contains("GET " + url.getPath() + " bytes=" + kept + "-"), hub.log.toString());
    }

    @Test
    void checksumMismatchDeletesEverything() {
        Path target = tmp.resolve("clips.bin");
        String wrong = "0".repeat(64);
        DownloadException e = assertThrows(DownloadException.class, () -> downloader(false).download(url, target, wrong));
        assertTrue(e.getMessage().contains("expected sha256 " + wrong + ", got " + FakeHub.sha256(content)), e.getMessage());
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(HttpDownload.partialOf(target)));
    }

    @Test
    void offlineRefusesWithInstructionsAndMakesNoRequest() {
        Path target = tmp.resolve("clips.bin");
        DownloadException e = assertThrows(DownloadException.class, () -> downloader(true).download(url, target, null));
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE=1") && e.getMessage().contains(target.toString()), e.getMessage());
        assertEquals(0, hub.log.size());
    }

    @Test
    void httpErrorsAreNamedWithTheirStatus() {
        Path target = tmp.resolve("missing.bin");
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader(false).download(URI.create(hub.endpoint() + "/cdn/" + "f".repeat(64)), target, null));
        assertEquals(404, e.status());
        assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("not found"), e.getMessage());
        assertFalse(Files.exists(target));
    }
}
