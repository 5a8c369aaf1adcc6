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

    /**
     * A server on 127.0.0.1 that stalls: before its headers, or after the first 100 bytes of the body. The download
     * must give up with a read-timeout error after its bounded attempts, keeping what arrived.
     */
    @Test
    void aStalledServerGivesAClearTimeoutErrorAfterBoundedAttempts() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
        server.setExecutor(pool);
        server.createContext("/silent", ex -> {
            requests.incrementAndGet();
            await(release);
            ex.close();
        });
        server.createContext("/trickle", ex -> {
            requests.incrementAndGet();
            String range = ex.getRequestHeaders().getFirst("Range");
            if (range != null) {
                long from = Long.parseLong(range.replace("bytes=", "").replace("-", ""));
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-999/1000");
                ex.sendResponseHeaders(206, 1000 - from);
            } else {
                ex.sendResponseHeaders(200, 1000);
            }
            ex.getResponseBody().write(new byte[100]);
            ex.getResponseBody().flush();
            await(release);
            ex.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            HttpDownload d = new HttpDownload(HttpClient.newBuilder().build(), false, false, Duration.ZERO, Duration.ofMillis(300));

            Path silent = tmp.resolve("silent.bin");
            DownloadException e1 = assertThrows(DownloadException.class, () -> d.download(URI.create(base + "/silent"), silent, null));
            assertTrue(e1.getMessage().contains("failed " + HttpDownload.ATTEMPTS + " times") && e1.getMessage().contains("no answer"),
                    e1.getMessage());
            assertEquals(HttpDownload.ATTEMPTS, requests.get(), "bounded attempts");
            assertFalse(Files.exists(silent));

            requests.set(0);
            Path trickle = tmp.resolve("trickle.bin");
            DownloadException e2 = assertThrows(DownloadException.class, () -> d.download(URI.create(base + "/trickle"), trickle, null));
            assertTrue(e2.getMessage().contains("read timeout") && e2.getMessage().contains(".partial"), e2.getMessage());
            assertEquals(HttpDownload.ATTEMPTS, requests.get(), "bounded attempts");
            assertFalse(Files.exists(trickle), "an incomplete download never appears as the target");
            assertEquals(100L * HttpDownload.ATTEMPTS, Files.size(HttpDownload.partialOf(trickle)),
                    "each attempt resumed after the bytes already received");
        } finally {
            release.countDown();
            server.stop(0);
            pool.shutdownNow();
        }
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
