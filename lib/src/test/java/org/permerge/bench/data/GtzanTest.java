package org.permerge.bench.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.AudioFormatException;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import org.permerge.bench.Domain;
import org.permerge.bench.ProbeTask;
import org.permerge.bench.TaskSpec;

/** The genre manifest from a tiny stand-in of the unpacked GTZAN archive and the fault-filtered split lists. */
class GtzanTest {
    /** A Sun AU file written byte by byte: header, then big-endian 16-bit samples. */
    private static void au(Path p, short[] samples, int declaredBytes) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 2 * samples.length); // big-endian by default, as AU is
        b.putInt(0x2e736e64).putInt(24).putInt(declaredBytes).putInt(3).putInt(22050).putInt(1);
        for (short s : samples) b.putShort(s);
        Files.createDirectories(p.getParent());
        Files.write(p, b.array());
    }

    private static short[] ramp(int n, int seed) {
        short[] s = new short[n];
        for (int i = 0; i < n; i++) s[i] = (short) ((i * 37 + seed * 1000) % 65536 - 32768);
        return s;
    }

    @Test
    void buildsTheFaultFilteredSplit(@TempDir Path ds) throws Exception {
        Path g = ds.resolve("genres");
        for (String genre : List.of("blues", "jazz", "rock")) {
            for (int i = 0; i < 3; i++) au(g.resolve(genre).resolve(genre + ".0000" + i + ".au"), ramp(2205, i), 2 * 2205);
        }
        // a truncated track: the header promises more data than follows
        au(g.resolve("jazz/jazz.00054.au"), ramp(100, 9), 2 * 2205);
        // a re-encoded copy may hold WAV instead of AU
        Wav.write(g.resolve("rock/rock.00007.wav"), new float[2205], 22050);
        Files.writeString(ds.resolve("train_filtered.txt"), "blues/blues.00000.wav\nblues/blues.00001.wav\njazz/jazz.00000.wav\n"
                + "jazz/jazz.00054.wav\nrock/rock.00000.wav\nrock/rock.00007.wav\n");
        Files.writeString(ds.resolve("valid_filtered.txt"), "jazz/jazz.00001.wav\nrock/rock.00001.wav\n");
        Files.writeString(ds.resolve("test_filtered.txt"), "blues/blues.00002.wav\n");

        Manifest m = Gtzan.build(ds);
        Map<String, Long> bySplit = m.clips().stream().collect(Collectors.groupingBy(Manifest.Clip::split, Collectors.counting()));
        // jazz.00054 is skipped, jazz.00002 and rock.00002 are in no list
        assertEquals(Map.of("train", 5L, "dev", 2L, "test", 1L), bySplit);
        Manifest.Clip c = m.clips().stream().filter(x -> x.id().equals("jazz/jazz.00001")).findFirst().orElseThrow();
        assertEquals("jazz", c.label(Gtzan.LABEL));
        assertEquals(22050, c.sampleRate());
        assertEquals(0.1, c.duration(), 1e-9);
        short[] want = ramp(2205, 1);
        float[] got = c.load().mono();
        float[] expected = new float[want.length];
        for (int i = 0; i < want.length; i++) expected[i] = want[i] / 32768f;
        assertArrayEquals(expected, got, 1e-6f, "AU samples survive the conversion to WAV exactly");
        m.verify();
        ProbeTask task = ProbeTask.of(TaskSpec.classification("genre", Domain.MUSIC, Gtzan.LABEL), m);
        assertEquals(List.of("blues", "jazz", "rock"), task.classes());
        assertEquals(1, task.test().size());
    }

    @Test
    void rejectsWhatIsNotSixteenBitAu(@TempDir Path d) throws Exception {
        Path p = d.resolve("x.au");
        au(p, ramp(10, 0), 20);
        byte[] b = Files.readAllBytes(p);
        b[15] = 2; // encoding 2 = 8-bit linear PCM
        Files.write(p, b);
        AudioFormatException e = assertThrows(AudioFormatException.class, () -> Gtzan.readAu(p));
        assertTrue(e.getMessage().contains("encoding 2"), e.getMessage());
    }

    @Test
    void namesWhatIsMissing(@TempDir Path ds) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gtzan.build(ds));
        assertTrue(e.getMessage().contains("genres") && e.getMessage().contains("download"), e.getMessage());
        Files.createDirectories(ds.resolve("genres"));
        e = assertThrows(IllegalArgumentException.class, () -> Gtzan.build(ds));
        assertTrue(e.getMessage().contains("train_filtered.txt") && e.getMessage().contains("MARBLE"), e.getMessage());
    }
}
