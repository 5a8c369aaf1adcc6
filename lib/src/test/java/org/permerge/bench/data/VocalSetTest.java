package org.permerge.bench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import org.permerge.bench.Domain;
import org.permerge.bench.ProbeTask;
import org.permerge.bench.TaskSpec;

/** The singer and technique manifest from a tiny stand-in of the unpacked VocalSet archive (at 4 kHz, the lowest rate a WAV may declare, to stay small). */
class VocalSetTest {
    private static final int RATE = 4000;

    private static float[] wav(Path p, double seconds) {
        float[] x = new float[(int) Math.round(seconds * RATE)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.3 * Math.sin(i * 0.01 * (p.hashCode() % 5 + 1)));
        Wav.write(p, x, RATE);
        return Wav.read(p).mono();
    }

    @Test
    void segmentsRecordingsAndSplitsPerTask(@TempDir Path ds) throws Exception {
        Path full = ds.resolve("VocalSet/FULL");
        float[] belt = wav(full.resolve("f1/arpeggios/belt/f1_arpeggios_belt_a.wav"), 7.5); // 2 segments, tail dropped
        wav(full.resolve("f2/scales/vibrato/f2_scales_vibrato_e.wav"), 3 * 40);
        wav(full.resolve("m1/long_tones/straight/m1_long_tones_straight_o.wav"), 3 * 200);
        wav(full.resolve("m1/arpeggios/fast_forte/m1_arpeggios_fast_forte_a.wav"), 6); // singer task only
        wav(full.resolve("m1/excerpts/short.wav"), 6); // not at the expected depth
        Files.writeString(ds.resolve("VocalSet/train_singers_technique.txt"), "f1\nm1\n");
        Files.writeString(ds.resolve("VocalSet/test_singers_technique.txt"), "f2\n");

        Manifest m = VocalSet.build(ds);
        assertEquals(2 + 40 + 200 + 2, m.size());
        Manifest.Clip c = m.clips().stream().filter(x -> x.id().equals("f1/arpeggios/belt/f1_arpeggios_belt_a_1")).findFirst().orElseThrow();
        assertEquals("f1", c.label(VocalSet.SINGER));
        assertEquals("belt", c.label(VocalSet.TECHNIQUE));
        assertEquals(3.0, c.duration());
        assertArrayEquals(Arrays.copyOfRange(belt, 3 * RATE, 6 * RATE), c.load().mono(), 1e-6f, "the second 3 s of the recording");
        m.verify();
        assertEquals(Set.of(VocalSet.SINGER, VocalSet.TECHNIQUE), m.tasks());

        Manifest tech = m.task(VocalSet.TECHNIQUE);
        assertEquals(2 + 40 + 200, tech.size(), "fast_forte is not one of MARBLE's techniques");
        assertTrue(tech.split("test").clips().stream().allMatch(x -> x.label(VocalSet.SINGER).equals("f2")));
        assertEquals(40, tech.split("test").size());
        Map<Object, Set<String>> splitsByRecording = tech.clips().stream().collect(Collectors.groupingBy(
                x -> x.factors().get("recording"), Collectors.mapping(Manifest.Clip::split, Collectors.toSet())));
        assertTrue(splitsByRecording.values().stream().allMatch(s -> s.size() == 1), "no recording straddles two splits");

        Manifest singer = m.task(VocalSet.SINGER);
        Map<String, Long> bySplit = singer.clips().stream().collect(Collectors.groupingBy(Manifest.Clip::split, Collectors.counting()));
        // 244 segments drawn 8:1:1: each share within 4.5 binomial standard deviations
        for (var e : Map.of("train", 0.8, "dev", 0.1, "test", 0.1).entrySet()) {
            double n = m.size(), k = bySplit.getOrDefault(e.getKey(), 0L), p = e.getValue();
            assertTrue(Math.abs(k - n * p) < 4.5 * Math.sqrt(n * p * (1 - p)), e.getKey() + ": " + k + " of " + n);
        }
        assertEquals(bySplit, VocalSet.build(ds).task(VocalSet.SINGER).clips().stream()
                .collect(Collectors.groupingBy(Manifest.Clip::split, Collectors.counting())), "rebuilding gives the same split");
        ProbeTask t = ProbeTask.of(TaskSpec.classification(VocalSet.SINGER, Domain.MUSIC, VocalSet.SINGER), m);
        assertEquals(List.of("f1", "f2", "m1"), m.labelValues(VocalSet.SINGER));
        assertFalse(t.train().isEmpty());
    }

    @Test
    void namesWhatIsMissingOrInconsistent(@TempDir Path ds) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VocalSet.build(ds));
        assertTrue(e.getMessage().contains("FULL") && e.getMessage().contains("download"), e.getMessage());
        wav(ds.resolve("FULL/f1/scales/belt/a.wav"), 3);
        e = assertThrows(IllegalArgumentException.class, () -> VocalSet.build(ds));
        assertTrue(e.getMessage().contains("train_singers_technique.txt"), e.getMessage());
        Files.writeString(ds.resolve("train_singers_technique.txt"), "f1, m2");
        Files.writeString(ds.resolve("test_singers_technique.txt"), "m2");
        e = assertThrows(IllegalArgumentException.class, () -> VocalSet.build(ds));
        assertTrue(e.getMessage().contains("m2") && e.getMessage().contains("both"), e.getMessage());
    }
}
