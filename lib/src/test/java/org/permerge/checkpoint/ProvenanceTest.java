package org.permerge.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.Version;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ProvenanceTest {
    private static Provenance full() {
        return new Provenance("./permerge merge --a 'my model' --b x", Version.VERSION, "abc123-dirty",
                Instant.parse("2026-12-03T22:00:00.123Z"), Duration.ofMillis(61_250), 2, "F32",
                Map.of("A", new Provenance.Model("my model", "aa"), "B", new Provenance.Model("x", null)),
                Map.of("calibration", new Provenance.DataFile("/d/cal.jsonl", "cc")), Map.of("permute", 5L),
                Map.of("merge", Map.of("recipe", "cnn+ff+attn", "lambda", "0.9,cnn=0.5"), "pretrain", Map.of("targets.logmel", "K=100")),
                Map.of("parts", "2"));
    }

    @Test
    void everyFieldRoundTripsThroughTheFlatEntries() {
        Provenance p = full();
        Map<String, String> m = p.toMetadata();
        assertEquals("./permerge merge --a 'my model' --b x", m.get("command"));
        assertEquals("2026-12-03T22:00:00.123Z", m.get("started"));
        assertEquals("61.250", m.get("elapsed_s"));
        assertEquals("aa", m.get("model.A.sha256"));
        assertEquals(Provenance.UNKNOWN, m.get("model.B.sha256"));
        assertEquals("/d/cal.jsonl", m.get("calibration.manifest"));
        assertEquals("cc", m.get("calibration.sha256"));
        assertEquals("5", m.get("seed.permute"));
        assertEquals("K=100", m.get("pretrain.targets.logmel"));
        assertEquals("2", m.get("parts"));
        assertEquals(p, Provenance.fromMetadata(m));
        assertEquals(m, Provenance.fromMetadata(m).toMetadata());
        assertEquals(m.keySet().stream().limit(Provenance.REQUIRED.size()).toList(), Provenance.REQUIRED, "fixed keys first");
    }

    @Test
    void nothingRecordedIsWrittenAsUnknownAndReadBackAsNull() {
        Map<String, String> m = Provenance.of().toMetadata();
        assertEquals(Provenance.REQUIRED, m.keySet().stream().toList());
        assertEquals(Version.VERSION, m.get("permerge.version"));
        Provenance back = Provenance.fromMetadata(m);
        assertNull(back.started());
        assertNull(back.elapsed());
        assertNull(back.threads());
        assertEquals(Provenance.of(), back);
    }

    @Test
    void finishedCountsTheElapsedTimeFromTheStart() throws Exception {
        Provenance p = Provenance.start("./permerge x", null);
        assertNull(p.gitCommit());
        Thread.sleep(20);
        Provenance f = p.finished();
        assertTrue(f.elapsed().toMillis() >= 20, f.elapsed().toString());
        assertEquals(p.started(), f.started());
    }

    @Test
    void theCommittedCheckpointsProvenanceIsReadUnderTheNewKeys() {
        Path file = Path.of(System.getProperty("permerge.project.dir", "..")).resolve("data-manifests/models/mini-music-shared")
                .resolve(Provenance.FILE);
        Provenance p = Provenance.read(file);
        assertTrue(p.command().startsWith("./permerge pretrain --domain music"), p.command());
        assertEquals("0.1.0", p.version());
        assertEquals(5678L, p.seeds().get("pretrain"));
        assertEquals(1234L, p.seeds().get("init"));
        assertEquals(".cache/corpora/music/manifest.jsonl", p.data().get("corpus").path());
        assertEquals("f0f89b177d5ebbc85b2336ef30316cf2a9d86f49efe5f216ef86ca313b1388d8", p.data().get("corpus").sha256());
        assertEquals("music", p.step("pretrain").get("domain"));
        assertEquals("train,dev", p.step("corpus").get("splits"));
        Map<String, String> now = p.toMetadata();
        assertFalse(now.containsKey("pretrain.command") || now.containsKey("corpus.manifest_sha256") || now.containsKey("pretrain.seed"),
                "old keys are read, never written: " + now.keySet());
        assertEquals("f0f89b177d5ebbc85b2336ef30316cf2a9d86f49efe5f216ef86ca313b1388d8", now.get("corpus.sha256"));
    }

    @Test
    void olderPermuteAndForwardKeysAreRead() {
        Map<String, String> old = new LinkedHashMap<>();
        old.put("permerge.version", "0.1.0");
        old.put("permute.source", "/m/a");
        old.put("permute.seed", "7");
        old.put("permute.spaces", "ffn.0");
        Provenance p = Provenance.fromMetadata(old);
        assertEquals("/m/a", p.models().get("source").reference());
        assertEquals(7L, p.seeds().get("permute"));
        assertEquals("ffn.0", p.step("permute").get("spaces"));
        Provenance f = Provenance.fromMetadata(Map.of("model", "/m/a", "input", "in.safetensors"));
        assertEquals("/m/a", f.models().get("source").reference());
        assertEquals("in.safetensors", f.data().get("input").path());
    }

    @Test
    void malformedEntriesAreNamed(@TempDir Path tmp) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Provenance.fromMetadata(Map.of("started", "yesterday")));
        assertTrue(e.getMessage().contains("'started'") && e.getMessage().contains("yesterday"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Provenance.fromMetadata(Map.of("threads", "2.5")));
        assertTrue(e.getMessage().contains("'threads'") && e.getMessage().contains("whole number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Provenance.fromMetadata(Map.of("seed.draw", "x")));
        assertTrue(e.getMessage().contains("'seed.draw'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Provenance.of().withModel("a.b", "x", null));
        assertThrows(IllegalArgumentException.class, () -> Provenance.of().withStep("merge", Map.of("sha256", "x")));
        assertThrows(IllegalArgumentException.class, () -> Provenance.of().withStep("permerge", Map.of("version", "x")));
        e = assertThrows(IllegalArgumentException.class, () -> new Provenance(null, null, null, null, null, null, null, Map.of(), Map.of(),
                Map.of(), Map.of(), Map.of("a.b", "x")));
        assertTrue(e.getMessage().contains("'a.b'"), e.getMessage());
        Path bad = tmp.resolve(Provenance.FILE);
        Files.writeString(bad, "{\"command\": {\"nested\": 1}}");
        e = assertThrows(IllegalArgumentException.class, () -> Provenance.read(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("'command'"), e.getMessage());
        Path written = tmp.resolve("again.json");
        full().write(written);
        assertEquals(full(), Provenance.read(written));
    }
}
