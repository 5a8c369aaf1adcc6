package org.permerge.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ManifestTest {
    @TempDir
    Path tmp;

    private Manifest build(Path root) {
        List<Manifest.Clip> clips = new ArrayList<>();
        String[][] rows = {
            {"a", "yes", "v1", "train", "train"}, {"b", "no", "v1", "train", "test"},
            {"c", "yes", "v2", "test", "train"}, {"d", "no", "v2", "test", "test"},
        };
        for (String[] r : rows) {
            float[] x = new float[1600];
            x[r[0].charAt(0) - 'a'] = 0.5f; // distinct content per clip
            Path f = root.resolve("clips/" + r[0] + ".wav");
            Wav.write(f, x, 16000);
            clips.add(new Manifest.Clip(r[0], "clips/" + r[0] + ".wav", 0.1, 16000, Map.of("word", r[1], "speaker", r[2]),
                    "labeled", Map.of("word", r[3], "speaker", r[4]), Map.of("pitch", 1.5, "velocity", 90L),
                    Manifest.sha256(f), root));
        }
        clips.add(new Manifest.Clip("e", "clips/a.wav", 0.1, 16000, Map.of(), "calibration", Map.of(), Map.of(),
                clips.get(0).sha256(), root));
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("generator", "test");
        header.put("seed", 7L);
        return Manifest.of(header, clips, root);
    }

    @Test
    void writeReadRoundTripKeepsEveryFieldAndChecksumIsTheFileDigest() throws Exception {
        Manifest m = build(tmp);
        Path f = tmp.resolve("manifest.jsonl");
        m.write(f);
        Manifest r = Manifest.read(f);
        assertEquals(m.clips().size(), r.clips().size());
        for (int i = 0; i < m.size(); i++) {
            Manifest.Clip a = m.clips().get(i), b = r.clips().get(i);
            assertEquals(a.id(), b.id());
            assertEquals(a.labels(), b.labels());
            assertEquals(a.splits(), b.splits());
            assertEquals(a.factors(), b.factors());
            assertEquals(a.file(), b.file());
            assertEquals(a.sha256(), b.sha256());
        }
        assertEquals(7L, r.header().get("seed"));
        assertFalse(r.header().containsKey(Manifest.AUDIO_ROOT), "manifest beside its audio needs no audio_root");
        // independent digest: coreutils sha256sum
        Process p = new ProcessBuilder("sha256sum", f.toString()).start();
        String expected = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split(" ")[0];
        assertEquals(expected, r.checksum());
        assertEquals(r.checksum(), r.split("calibration").checksum(), "views keep the file's checksum");
        r.verify();
        assertEquals(1600, r.clips().get(0).load().frames());
        // writing the read manifest again gives identical bytes (numbers keep their types)
        Path again = tmp.resolve("again.jsonl");
        r.write(again);
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(again));
    }

    @Test
    void splitsAndTaskViews() {
        Manifest m = build(tmp);
        assertEquals(List.of("e"), m.split("calibration").clips().stream().map(Manifest.Clip::id).toList());
        assertEquals(List.of("a", "b"), m.task("word").split("train").clips().stream().map(Manifest.Clip::id).toList());
        assertEquals(List.of("b", "d"), m.split("speaker/test").clips().stream().map(Manifest.Clip::id).toList());
        assertEquals("test", m.task("speaker").clips().get(1).split());
        assertEquals(java.util.Set.of("word", "speaker"), m.tasks());
        assertEquals(List.of("no", "yes"), m.labelValues("word"));
        Exception e = assertThrows(IllegalArgumentException.class, () -> m.task("genre"));
        assertTrue(e.getMessage().contains("genre"));
        e = assertThrows(IllegalArgumentException.class, () -> m.clips().get(0).label("genre"));
        assertTrue(e.getMessage().contains("clip a"));
    }

    @Test
    void aDrawFromTwoCorporaIsWrittenWithRebasedPaths() {
        // both corpora use the same relative clip paths; a mixed draw must still find each clip's own file
        Manifest speech = build(tmp.resolve("cache/speech"));
        Manifest music = build(tmp.resolve("cache/music"));
        List<Manifest.Clip> mixed = List.of(speech.clips().get(0), music.clips().get(1), music.clips().get(2));
        Manifest draw = Manifest.of(Map.of("generator", "draw"), mixed, tmp.resolve("project"));
        Path file = tmp.resolve("project/results/run/calibration.jsonl");
        draw.write(file);
        Manifest r = Manifest.read(file);
        r.verify();
        for (int i = 0; i < mixed.size(); i++) {
            assertEquals(mixed.get(i).file().toAbsolutePath().normalize(), r.clips().get(i).file().toAbsolutePath().normalize());
            assertEquals(mixed.get(i).sha256(), r.clips().get(i).sha256());
        }
        // The written root widens to hold both corpora (paths never leave it): tmp, three folders up.
        assertEquals("../../..", r.header().get(Manifest.AUDIO_ROOT));
        assertEquals("cache/speech/clips/a.wav", r.clips().get(0).path());
        assertNotEquals(speech.checksum(), r.checksum());
    }

    @Test
    void copyElsewhereRecordsTheAudioRootAndStillFindsTheAudio() {
        Path audio = tmp.resolve("cache/corpus");
        Manifest m = build(audio);
        Path record = tmp.resolve("repo/data-manifests/mini/speech.jsonl");
        m.write(record);
        Manifest r = Manifest.read(record);
        assertEquals("../../../cache/corpus", r.header().get(Manifest.AUDIO_ROOT));
        assertEquals(audio.toAbsolutePath().normalize(), r.audioRoot());
        r.verify();
    }

    @Test
    void verifyNamesChangedAndMissingFiles() throws Exception {
        Manifest m = build(tmp);
        Wav.write(tmp.resolve("clips/b.wav"), new float[10], 16000);
        Files.delete(tmp.resolve("clips/c.wav"));
        String msg = assertThrows(IllegalStateException.class, m::verify).getMessage();
        assertTrue(msg.contains("b: ") && msg.contains("manifest says"), msg);
        assertTrue(msg.contains("c: missing"), msg);
    }

    @Test
    void malformedManifestsNameFileAndLine() throws Exception {
        Path f = tmp.resolve("bad.jsonl");
        String sha = "0".repeat(64);
        String[][] cases = {
            {"{\"id\":\"x\"}", "line 1: the first line must be the header"},
            {"{\"manifest\":{}}\n{\"id\":\"x\",\"path\":\"a.wav\",\"duration\":1,\"sample_rate\":16000,\"split\":\"train\"}",
                "line 2: missing field 'sha256'"},
            {"{\"manifest\":{}}\n{\"id\":\"x\",\"path\":\"a.wav\",\"duration\":1,\"sample_rate\":16000.5,\"split\":\"t\",\"sha256\":\"" + sha + "\"}",
                "sample_rate 16000.5"},
            {"{\"manifest\":{}}\n{\"id\":\"x\",\"path\":\"/abs.wav\",\"duration\":1,\"sample_rate\":16000,\"split\":\"t\",\"sha256\":\"" + sha + "\"}",
                "must be relative"},
            {"{\"manifest\":{}}\n{\"id\":\"x\",\"path\":\"a.wav\",\"duration\":1,\"sample_rate\":16000,\"split\":\"t\",\"sha256\":\"abc\"}",
                "not 64 hex digits"},
            {"{\"manifest\":{}}\nnot json", "line 2: not a JSON object"},
            {"", "empty manifest"},
        };
        for (String[] c : cases) {
            Files.writeString(f, c[0]);
            String msg = assertThrows(IllegalArgumentException.class, () -> Manifest.read(f)).getMessage();
            assertTrue(msg.contains("bad.jsonl") && msg.contains(c[1]), msg);
        }
        Files.writeString(f, "{\"manifest\":{}}\n"
                + "{\"id\":\"x\",\"path\":\"a.wav\",\"duration\":1,\"sample_rate\":16000,\"split\":\"t\",\"sha256\":\"" + sha + "\"}\n"
                + "{\"id\":\"x\",\"path\":\"b.wav\",\"duration\":1,\"sample_rate\":16000,\"split\":\"t\",\"sha256\":\"" + sha + "\"}\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Manifest.read(f)).getMessage().contains("duplicate clip id 'x'"));
    }

    @Test
    void loadRejectsAClipWhoseRateDiffersFromTheManifest() {
        Manifest m = build(tmp);
        Manifest.Clip c = m.clips().get(0);
        Manifest.Clip wrong = new Manifest.Clip(c.id(), c.path(), c.duration(), 24000, c.labels(), c.split(), c.splits(),
                c.factors(), c.sha256(), c.root());
        assertTrue(assertThrows(AudioFormatException.class, wrong::load).getMessage().contains("24000"));
    }

    private static String row(String id, String path, String sha) {
        return "{\"id\":\"" + id + "\",\"path\":\"" + path + "\",\"duration\":0.1,\"sample_rate\":16000,\"split\":\"t\",\"sha256\":\"" + sha + "\"}\n";
    }

    @Test
    void aPathLeavingTheAudioRootIsRefusedWhenRead() throws Exception {
        Path f = tmp.resolve("m/escape.jsonl");
        Files.createDirectories(f.getParent());
        for (String bad : new String[] {"../outside.wav", "a/../../outside.wav", "..", "."}) {
            Files.writeString(f, "{\"manifest\":{}}\n" + row("x", bad, "0".repeat(64)));
            String msg = assertThrows(IllegalArgumentException.class, () -> Manifest.read(f)).getMessage();
            assertTrue(msg.contains("escape.jsonl line 2") && msg.contains("leaves the audio root"), msg);
        }
        // A path that goes up and back down inside the root is fine.
        Files.writeString(f, "{\"manifest\":{}}\n" + row("x", "a/../b.wav", "0".repeat(64)));
        assertEquals(f.getParent().resolve("b.wav"), Manifest.read(f).clips().get(0).file());
    }

    @Test
    void linksOutOfTheRootDevicesFifosAndChangedFilesAreRefusedWithoutEchoingContent() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path outside = tmp.resolve("secret.txt");
        Files.writeString(outside, "root:x:0:0:SECRET");
        Files.createSymbolicLink(root.resolve("passwd.wav"), outside);
        Files.createSymbolicLink(root.resolve("zero.wav"), Path.of("/dev/zero"));
        Path fifo = root.resolve("fifo.wav");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(), "mkfifo");
        Files.createDirectories(root.resolve("dir.wav"));
        float[] x = new float[1600];
        x[3] = 0.25f;
        Wav.write(root.resolve("good.wav"), x, 16000);
        String good = Manifest.sha256(root.resolve("good.wav"));
        Path file = root.resolve("manifest.jsonl");
        Files.writeString(file, "{\"manifest\":{}}\n" + row("passwd", "passwd.wav", Manifest.sha256(outside)) + row("zero", "zero.wav", good)
                + row("fifo", "fifo.wav", good) + row("dir", "dir.wav", good) + row("good", "good.wav", good)
                + row("changed", "good.wav", "1".repeat(64)));
        Manifest m = Manifest.read(file);
        Map<String, String> expected = Map.of("passwd", "outside the manifest's audio root", "zero", "outside the manifest's audio root",
                "fifo", "not a regular file", "dir", "not a regular file", "changed", "the manifest records " + "1".repeat(64));
        for (Manifest.Clip c : m.clips()) {
            if (c.id().equals("good")) {
                assertArrayEquals(x, c.load().mono());
                continue;
            }
            RuntimeException e = assertThrows(RuntimeException.class, c::load, c.id());
            assertTrue(e.getMessage().contains("clip " + c.id()) && e.getMessage().contains(expected.get(c.id())), e.getMessage());
            assertFalse(e.getMessage().contains("SECRET") || e.getMessage().contains("root:x"), e.getMessage());
        }
        // Read with verification off, the changed file loads (it is the same regular file inside the root); the
        // manifest read with the defaults still refuses it, in the same process.
        Manifest unverified = Manifest.read(file, Manifest.ReadOptions.defaults().withVerifyAudio(false));
        assertArrayEquals(x, unverified.clips().get(5).load().mono());
        assertFalse(unverified.split(unverified.clips().get(5).split()).clips().get(0).verifyAudio(), "views keep the setting");
        assertThrows(IllegalStateException.class, m.clips().get(5)::load);
        String msg = assertThrows(IllegalStateException.class, m::verify).getMessage();
        assertTrue(msg.contains("passwd: ") && msg.contains("outside"), msg);

        // A file verified once is not hashed again, but a file changed since (same size, new content) is.
        assertArrayEquals(x, m.clips().get(4).load().mono());
        float[] y = x.clone();
        y[7] = -0.5f;
        Wav.write(root.resolve("good.wav"), y, 16000);
        assertTrue(assertThrows(IllegalStateException.class, m.clips().get(4)::load).getMessage().contains("the manifest records " + good));
        assertEquals("root:x:0:0:SECRET", Files.readString(outside), "nothing written");

        // A clip whose file is far larger than its duration allows is refused unread.
        Path big = root.resolve("big.wav");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), 50L << 20);
        }
        Manifest.Clip c = new Manifest.Clip("big", "big.wav", 0.1, 16000, Map.of(), "t", Map.of(), Map.of(), good, root);
        assertTrue(assertThrows(IllegalArgumentException.class, c::load).getMessage().contains("refused unread"));
    }

    @Test
    void theProjectsOwnManifestsStillRead() {
        Path dir = Path.of(System.getProperty("permerge.project.dir", "..")).resolve("data-manifests/mini");
        for (String name : new String[] {"speech.jsonl", "music.jsonl"}) {
            Manifest m = Manifest.read(dir.resolve(name));
            assertTrue(m.size() > 0);
            for (Manifest.Clip c : m.clips()) assertTrue(c.file().startsWith(m.audioRoot()), c.path());
        }
    }
}
