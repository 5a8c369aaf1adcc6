package org.permerge.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import org.permerge.bench.Domain;
import org.permerge.bench.ProbeTask;
import org.permerge.bench.TaskSpec;

/** The instrument and pitch manifest from a tiny stand-in of the three unpacked NSynth archives. */
class NSynthTest {
    private static String note(Path folder, String name, String family, int pitch) {
        float[] x = new float[1600];
        double hz = 440 * Math.pow(2, (pitch - 69) / 12.0);
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.2 * Math.sin(2 * Math.PI * hz * i / 16000));
        Wav.write(folder.resolve("audio").resolve(name + ".wav"), x, 16000);
        return "\"" + name + "\": {\"note_str\": \"" + name + "\", \"pitch\": " + pitch + ", \"velocity\": 100,"
                + " \"instrument_family_str\": \"" + family + "\", \"instrument_source_str\": \"acoustic\", \"qualities\": [0, 1]}";
    }

    private static void folder(Path ds, String name, String... notes) throws Exception {
        Path f = Files.createDirectories(ds.resolve(name));
        Files.writeString(f.resolve("examples.json"), "{" + String.join(",\n", notes) + "}");
    }

    @Test
    void buildsTheOfficialSplits(@TempDir Path ds) throws Exception {
        Path tr = ds.resolve("nsynth-train"), va = ds.resolve("nsynth-valid"), te = ds.resolve("nsynth-test");
        folder(ds, "nsynth-train", note(tr, "bass_synthetic_033-022-050", "bass", 22), note(tr, "guitar_acoustic_010-060-100", "guitar", 60),
                note(tr, "guitar_acoustic_010-064-100", "guitar", 64));
        folder(ds, "nsynth-valid", note(va, "keyboard_electronic_001-060-127", "keyboard", 60));
        folder(ds, "nsynth-test", note(te, "bass_synthetic_068-049-025", "bass", 49), note(te, "guitar_acoustic_014-064-075", "guitar", 64));

        Manifest m = NSynth.build(ds);
        Map<String, Long> bySplit = m.clips().stream().collect(Collectors.groupingBy(Manifest.Clip::split, Collectors.counting()));
        assertEquals(Map.of("train", 3L, "dev", 1L, "test", 2L), bySplit);
        Manifest.Clip c = m.clips().stream().filter(x -> x.id().equals("nsynth-valid/keyboard_electronic_001-060-127")).findFirst().orElseThrow();
        assertEquals("keyboard", c.label(NSynth.INSTRUMENT));
        assertEquals("60", c.label(NSynth.PITCH));
        assertEquals("nsynth-valid/audio/keyboard_electronic_001-060-127.wav", c.path());
        assertEquals(100L, ((Number) c.factors().get("velocity")).longValue());
        assertEquals(16000, c.sampleRate());
        m.verify();
        assertEquals(List.of("bass", "guitar", "keyboard"), m.labelValues(NSynth.INSTRUMENT));
        assertEquals(List.of("22", "49", "60", "64"), m.labelValues(NSynth.PITCH));
        ProbeTask inst = ProbeTask.of(TaskSpec.classification("instrument", Domain.MUSIC, NSynth.INSTRUMENT), m);
        assertEquals(1, inst.dev().size());
        ProbeTask pitch = ProbeTask.of(TaskSpec.classification("pitch", Domain.MUSIC, NSynth.PITCH), m);
        assertEquals(2, pitch.test().size());
    }

    @Test
    void namesWhatIsMissingOrMalformed(@TempDir Path ds) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NSynth.build(ds));
        assertTrue(e.getMessage().contains("nsynth-train") && e.getMessage().contains("download"), e.getMessage());
        Path tr = ds.resolve("nsynth-train");
        folder(ds, "nsynth-train", note(tr, "bass_synthetic_033-022-050", "bass", 22));
        folder(ds, "nsynth-valid", "\"organ_electronic_001-060-050\": {\"pitch\": 60, \"instrument_family_str\": \"organ\"}");
        Files.createDirectories(ds.resolve("nsynth-test"));
        Files.writeString(ds.resolve("nsynth-test/examples.json"), "{}");
        e = assertThrows(IllegalArgumentException.class, () -> NSynth.build(ds));
        assertTrue(e.getMessage().contains("organ_electronic_001-060-050.wav") && e.getMessage().contains("missing"), e.getMessage());
        Files.writeString(ds.resolve("nsynth-test/examples.json"), "{\"x\": {\"pitch\": \"high\"");
        Files.writeString(ds.resolve("nsynth-valid/examples.json"), "{}");
        e = assertThrows(IllegalArgumentException.class, () -> NSynth.build(ds));
        assertTrue(e.getMessage().contains("nsynth-test") && e.getMessage().contains("malformed"), e.getMessage());
    }
}
