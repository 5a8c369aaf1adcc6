package org.permerge.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.EncoderCheckpointTest;
import org.permerge.model.KeyLayout;
import org.permerge.testing.Fixtures;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class HubCacheTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    byte[] config;
    byte[] weights;

    @BeforeEach
    void start() throws Exception {
        Path dir = Fixtures.hubert("hubert-tiny-base");
        config = Files.readAllBytes(dir.resolve("config.json"));
        weights = Files.readAllBytes(dir.resolve("model.safetensors"));
        hub = new FakeHub().file("org/tiny-base", "config.json", config).file("org/tiny-base", "model.safetensors", weights);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubCache cache(boolean offline, URI endpoint) {
        HttpDownload d = new HttpDownload(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build(),
                offline, false, Duration.ZERO);
        return new HubCache(tmp.resolve("hub"), endpoint, offline, d);
    }

    private HubCache online() {
        return cache(false, hub.endpoint());
    }

    @Test
    void cacheFolderAndEndpointComeFromTheEnvironmentInTheDocumentedOrder() {
        Map<String, String> all = Map.of("HF_HUB_CACHE", "/x/cache", "HF_HOME", "/y/home", "HOME", "/z");
        assertEquals(Path.of("/x/cache"), HubCache.fromEnvironment(all).root());
        assertEquals(Path.of("/y/home/hub"), HubCache.fromEnvironment(Map.of("HF_HOME", "/y/home", "HOME", "/z")).root());
        assertEquals(Path.of("/z/.cache/huggingface/hub"), HubCache.fromEnvironment(Map.of("HOME", "/z")).root());
        assertEquals(URI.create("https://huggingface.co"), HubCache.fromEnvironment(Map.of("HOME", "/z")).endpoint());
        assertEquals(URI.create("http://mirror.example"), HubCache.fromEnvironment(Map.of("HF_ENDPOINT", "http://mirror.example/")).endpoint());
        assertFalse(HubCache.fromEnvironment(Map.of()).offline());
        for (String v : new String[] {"1", "true", "ON", "yes"}) assertTrue(HubCache.fromEnvironment(Map.of("HF_HUB_OFFLINE", v)).offline(), v);
        assertFalse(HubCache.fromEnvironment(Map.of("HF_HUB_OFFLINE", "0")).offline());
        assertEquals(tmp.resolve("hub/models--facebook--hubert-base-ls960"), cache(true, hub.endpoint()).repoFolder("facebook/hubert-base-ls960"));
        assertTrue(HubCache.looksLikeRepoId("facebook/hubert-base-ls960"));
        assertTrue(HubCache.looksLikeRepoId("m-a-p/MERT-v0-public@main"));
        assertFalse(HubCache.looksLikeRepoId("../etc/passwd"));
        assertFalse(HubCache.looksLikeRepoId("a/b/c"));
        assertThrows(IllegalArgumentException.class, () -> cache(true, hub.endpoint()).resolve("org/x@../../../escape"));
    }

    @Test
    void downloadsIntoTheHubLayoutAndLoads() throws Exception {
        EncoderCheckpoint cp = EncoderCheckpoint.load("org/tiny-base", online());
        Path repo = tmp.resolve("hub/models--org--tiny-base");
        assertEquals(hub.commit, Files.readString(repo.resolve("refs/main")));
        Path snap = repo.resolve("snapshots").resolve(hub.commit);
        String sha = FakeHub.sha256(weights);
        // Exactly the links the Python tools make: relative, to blobs named by sha256 (LFS) or git blob id.
        assertEquals(Path.of("../../blobs/" + sha), Files.readSymbolicLink(snap.resolve("model.safetensors")));
        assertEquals(Path.of("../../blobs/" + FakeHub.gitBlobId(config)), Files.readSymbolicLink(snap.resolve("config.json")));
        assertEquals(sha, HttpDownload.sha256(repo.resolve("blobs").resolve(sha)));
        assertTrue(Files.exists(repo.resolve(".no_exist").resolve(hub.commit).resolve("preprocessor_config.json")));
        assertEquals(Preprocessor.DEFAULT, cp.preprocessor());
        EncoderCheckpoint local = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        for (String n : local.weights().names()) {
            assertArrayEquals(local.weights().get(n).toFloatArray(), cp.weights().get(n).toFloatArray(), 0f, n);
        }
        // A second resolve asks only which commit main is at; nothing is downloaded again.
        long cdnBefore = hub.requests("GET /cdn/");
        long before = hub.log.size();
        assertEquals(snap, online().resolve("org/tiny-base"));
        assertEquals(cdnBefore, hub.requests("GET /cdn/"));
        assertEquals(java.util.List.of("HEAD /org/tiny-base/resolve/main/config.json"), hub.log.subList((int) before, hub.log.size()));
    }

    @Test
    void offlineUsesTheCacheWithoutAnyRequest() {
        Path snap = online().resolve("org/tiny-base");
        int before = hub.log.size();
        HubCache offline = cache(true, URI.create("http://127.0.0.1:9"));
        assertEquals(snap, offline.resolve("org/tiny-base"));
        assertEquals(snap, offline.resolve("org/tiny-base@" + hub.commit));
        assertNotNull(EncoderCheckpoint.load("org/tiny-base", offline).weights());
        assertEquals(before, hub.log.size());
    }

    @Test
    void aCacheLaidOutByThePythonToolsIsUsedAsIs() throws Exception {
        // Built by hand as huggingface_hub lays it out: refs/main holds the commit (no newline), snapshot entries are
        // relative links into blobs/, and a repo may hold other revisions and unrelated files.
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = Files.createDirectories(tmp.resolve("hub/models--facebook--hubert-tiny"));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Files.write(blobs.resolve(FakeHub.gitBlobId(config)), config);
        Files.write(blobs.resolve(FakeHub.sha256(weights)), weights);
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(commit));
        Files.createSymbolicLink(snap.resolve("config.json"), Path.of("../../blobs", FakeHub.gitBlobId(config)));
        Files.createSymbolicLink(snap.resolve("model.safetensors"), Path.of("../../blobs", FakeHub.sha256(weights)));
        Files.createDirectories(repo.resolve("snapshots").resolve("f".repeat(40)));
        Files.createDirectories(tmp.resolve("hub/.locks/models--facebook--hubert-tiny"));
        HubCache offline = cache(true, URI.create("http://127.0.0.1:9"));
        assertEquals(snap, offline.resolve("facebook/hubert-tiny"));
        EncoderCheckpoint cp = EncoderCheckpoint.load("facebook/hubert-tiny", offline);
        assertEquals(EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")).weights().names(), cp.weights().names());
        // A snapshot whose weights link dangles (a download interrupted by another tool) is not complete.
        Files.delete(blobs.resolve(FakeHub.sha256(weights)));
        assertThrows(DownloadException.class, () -> offline.resolve("facebook/hubert-tiny"));
    }

    @Test
    void offlineWithAnEmptyCacheSaysExactlyWhatToDo() {
        DownloadException e = assertThrows(DownloadException.class, () -> EncoderCheckpoint.load("facebook/hubert-base-ls960", cache(true, hub.endpoint())));
        String m = e.getMessage();
        assertTrue(m.contains("facebook/hubert-base-ls960@main is not in the Hugging Face cache at " + tmp.resolve("hub")), m);
        assertTrue(m.contains("HF_HUB_OFFLINE"), m);
        assertTrue(m.contains("huggingface-cli download facebook/hubert-base-ls960"), m);
        assertTrue(m.contains("HF_HUB_CACHE or HF_HOME"), m);
        assertEquals(0, hub.log.size());
    }

    @Test
    void unreachableHubFallsBackToTheCacheAndOtherwiseSaysSo() {
        HubCache dead = cache(false, URI.create("http://127.0.0.1:9"));
        DownloadException e = assertThrows(DownloadException.class, () -> dead.resolve("org/tiny-base"));
        assertTrue(e.getMessage().contains("could not be reached"), e.getMessage());
        Path snap = online().resolve("org/tiny-base");
        assertEquals(snap, dead.resolve("org/tiny-base"));
    }

    @Test
    void pytorchBinAndPreprocessorConfigAreFetchedWhenThereIsNoSafetensors() throws Exception {
        Path dir = Fixtures.hubert("hubert-tiny-large");
        hub.file("org/tiny-large", "config.json", Files.readAllBytes(dir.resolve("config.json")))
                .file("org/tiny-large", "pytorch_model.bin", Files.readAllBytes(dir.resolve("legacy-keys.pytorch_model.bin")))
                .file("org/tiny-large", "preprocessor_config.json", "{\"do_normalize\": true, \"sampling_rate\": 16000}".getBytes());
        EncoderCheckpoint cp = EncoderCheckpoint.load("org/tiny-large", online());
        assertEquals(KeyLayout.LEGACY_WEIGHT_NORM, cp.keyLayout());
        assertEquals(new Preprocessor(16000, true), cp.preprocessor());
        Path noExist = tmp.resolve("hub/models--org--tiny-large/.no_exist").resolve(hub.commit);
        assertTrue(Files.exists(noExist.resolve("model.safetensors")));
        assertTrue(Files.exists(noExist.resolve("model.safetensors.index.json")));
    }

    @Test
    void shardedRepoDownloadsEveryShard() throws Exception {
        for (Map.Entry<String, byte[]> f : EncoderCheckpointTest.sharded(Fixtures.hubert("hubert-tiny-base")).entrySet()) {
            hub.file("org/sharded", f.getKey(), f.getValue());
        }
        EncoderCheckpoint cp = EncoderCheckpoint.load("org/sharded", online());
        assertEquals(EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")).weights().names(), cp.weights().names());
        Path snap = tmp.resolve("hub/models--org--sharded/snapshots").resolve(hub.commit);
        assertTrue(Files.isSymbolicLink(snap.resolve("model-00002-of-00002.safetensors")));
        assertEquals(snap, cache(true, hub.endpoint()).resolve("org/sharded"), "offline sees the complete sharded snapshot");
    }

    @Test
    void droppedConnectionMidFileIsResumedWithARangeRequest() throws Exception {
        hub.drops.set(1);
        EncoderCheckpoint cp = EncoderCheckpoint.load("org/tiny-base", online());
        assertEquals(Files.readAllLines(Fixtures.hubert("hubert-tiny-base").resolve("state_dict_keys.txt")).size(), cp.weights().size());
        String sha = FakeHub.sha256(weights);
        assertEquals(2, hub.requests("GET /cdn/" + sha), hub.log.toString());
        // the server sent half the file before dropping; the client may lose the tail of what was in flight, so the
        // resumed request starts after byte 0 and no later than the half
        long resumedAt = hub.log.stream().filter(l -> l.startsWith("GET /cdn/" + sha + " bytes="))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf("bytes=") + 6, l.length() - 1))).findFirst().orElse(-1);
        assertTrue(resumedAt > 0 && resumedAt <= weights.length / 2, "resumed at " + resumedAt + ": " + hub.log);
        try (var files = Files.list(tmp.resolve("hub/models--org--tiny-base/blobs"))) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".partial")));
        }
    }

    @Test
    void wrongChecksumIsAnErrorAndLeavesNoFile() throws Exception {
        hub.corrupt(weights);
        DownloadException e = assertThrows(DownloadException.class, () -> online().resolve("org/tiny-base"));
        assertTrue(e.getMessage().contains("checksum mismatch") && e.getMessage().contains(FakeHub.sha256(weights)), e.getMessage());
        Path repo = tmp.resolve("hub/models--org--tiny-base");
        try (var files = Files.list(repo.resolve("blobs"))) {
            assertEquals(java.util.List.of(FakeHub.gitBlobId(config)), files.map(p -> p.getFileName().toString()).toList());
        }
        assertFalse(Files.exists(repo.resolve("snapshots").resolve(hub.commit).resolve("model.safetensors"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(hub.log.size() > 0);
    }

    @Test
    void unknownRepoIsNamed() {
        DownloadException e = assertThrows(DownloadException.class, () -> online().resolve("org/nope"));
        assertTrue(e.getMessage().contains("RepoNotFound") && e.getMessage().contains("org/nope"), e.getMessage());
    }
}
