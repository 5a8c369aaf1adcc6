package org.permerge.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Audio;
import org.permerge.audio.ExternalTool;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

/**
 * The calibration draw from a real dataset's layout, on a stand-in made here: FLAC files encoded by sox from known
 * 16-bit samples (FLAC is lossless, so the decoded clip must give back the same samples), a 44.1 kHz WAV, and a
 * corrupt FLAC. The draw must follow its documented rule (paths sorted, shuffled with Random(seed)).
 */
class CalibrationDrawTest {
    private static final int RATE = 16000;

    private static float[] tone(double hz, double seconds, int rate) {
        float[] x = new float[(int) Math.round(seconds * rate)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (Math.round(0.4 * Math.sin(2 * Math.PI * hz * i / rate) * 32767) / 32768.0);
        return x;
    }

    /** Writes {@code n} FLAC files (speaker/chapter/utt.flac, like LibriSpeech) and returns the source samples by relative path. */
    private static java.util.Map<String, float[]> flacs(Path root, int n) throws Exception {
        java.util.Map<String, float[]> out = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            String rel = "spk" + (i % 3) + "/ch" + i + "/utt-" + i + ".flac";
            Path flac = root.resolve(rel);
            Files.createDirectories(flac.getParent());
            float[] x = tone(220 + 55 * i, 1.5, RATE);
            Path wav = root.resolve("tmp-" + i + ".wav");
            Wav.write(wav, x, RATE);
            ExternalTool.SOX.run(List.of(wav.toString(), flac.toString()), null);
            Files.delete(wav);
            out.put(rel, x);
        }
        return out;
    }

    @Test
    void drawsDecodesAndRecordsFlacClips(@TempDir Path tmp) throws Exception {
        assumeTrue(ExternalTool.SOX.available(), "sox (Debian package 'sox') encodes the FLAC stand-ins");
        Path data = tmp.resolve("librispeech");
        var sources = flacs(data, 6);
        Manifest m = CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.flac", 4, 1.0, RATE, 7, tmp.resolve("cal"), false), n -> { });
        m.verify();
        assertEquals(4, m.size());
        // the documented rule: matching paths sorted, shuffled with java.util.Random(seed), taken in order
        List<String> expected = new ArrayList<>(sources.keySet());
        Collections.shuffle(expected, new Random(7));
        for (int i = 0; i < 4; i++) {
            Manifest.Clip c = m.clips().get(i);
            assertEquals(expected.get(i), c.factors().get("source"));
            assertEquals("calibration", c.split());
            Audio a = c.load();
            assertEquals(RATE, a.sampleRate());
            assertEquals(RATE, a.frames(), "cut to --max-seconds 1.0");
            float[] want = sources.get(expected.get(i));
            float[] got = a.mono();
            for (int k = 0; k < got.length; k++) assertEquals(want[k], got[k], 1e-6, "sample " + k + " of " + c.id());
        }
        assertEquals(7L, ((Number) m.header().get("seed")).longValue());
        assertEquals(6L, ((Number) m.header().get("matching_files")).longValue());

        Manifest again = CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.flac", 4, 1.0, RATE, 7, tmp.resolve("cal2"), false), n -> { });
        assertEquals(m.checksum(), again.checksum(), "same seed, same files: the same manifest byte for byte");
        Manifest other = CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.flac", 4, 1.0, RATE, 8, tmp.resolve("cal3"), false), n -> { });
        assertNotEquals(m.clips().stream().map(c -> c.factors().get("source")).toList(),
                other.clips().stream().map(c -> c.factors().get("source")).toList());
    }

    @Test
    void resamplesWavAndNamesUnreadableFiles(@TempDir Path tmp) throws Exception {
        assumeTrue(ExternalTool.SOX.available(), "sox (Debian package 'sox') encodes the FLAC stand-ins");
        Path data = tmp.resolve("music");
        flacs(data, 2);
        Wav.write(data.resolve("spk9/track.wav"), tone(440, 1.5, 44100), 44100);
        Files.write(data.resolve("spk9/bad.flac"), "fLaC but not really a FLAC stream".getBytes());

        Manifest wav = CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.wav", 1, 10, RATE, 1, tmp.resolve("w"), false), n -> { });
        assertEquals(RATE, wav.clips().get(0).load().sampleRate());
        assertEquals(1.5, wav.clips().get(0).duration(), 1e-3, "44.1 kHz resampled to 16 kHz keeps its duration");

        // all three FLACs needed: the corrupt one must be hit and named
        Exception e = assertThrows(RuntimeException.class,
                () -> CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.flac", 3, 1, RATE, 1, tmp.resolve("x"), false), n -> { }));
        assertTrue(e.getMessage().contains("bad.flac") && e.getMessage().contains("--skip-unreadable"), e.getMessage());
        // skipping cannot make three decodable files out of two
        e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.flac", 3, 1, RATE, 1, tmp.resolve("y"), true), n -> { }));
        assertTrue(e.getMessage().contains("only 2 of 3"), e.getMessage());
        // a seed whose draw meets the corrupt file first: it is skipped, recorded, and replaced
        long seed = 0;
        while (true) {
            List<Path> order = new ArrayList<>(CalibrationDraw.matching(data, "**/*.flac"));
            Collections.shuffle(order, new Random(seed));
            if (order.get(0).getFileName().toString().equals("bad.flac")) break;
            seed++;
        }
        Manifest skip = CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.flac", 2, 1, RATE, seed, tmp.resolve("z"), true), n -> { });
        assertEquals(2, skip.size());
        assertTrue(String.valueOf(skip.header().get("skipped")).contains("bad.flac"), String.valueOf(skip.header()));

        e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.mp3", 1, 1, RATE, 1, tmp.resolve("n"), false), n -> { }));
        assertTrue(e.getMessage().contains("no file") && e.getMessage().contains("**/*.mp3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationDraw.build(new CalibrationDraw.Options(data, "**/*.flac", 9, 1, RATE, 1, tmp.resolve("n"), false), n -> { }));
        assertTrue(e.getMessage().contains("fewer than the 9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationDraw.build(new CalibrationDraw.Options(tmp.resolve("absent"), "**/*.flac", 1, 1, RATE, 1, tmp.resolve("n"), false), n -> { }));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void clipsShorterThanOneEncoderFrameAreSkippedAndCounted(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("wavs");
        for (int i = 0; i < 4; i++) {
            Files.createDirectories(data);
            // Files 0 and 2 hold 100 samples (6 ms), less than the 25 ms one frame needs.
            Wav.write(data.resolve("f" + i + ".wav"), tone(300 + 50 * i, i % 2 == 0 ? 100.0 / RATE : 0.5, RATE), RATE);
        }
        Manifest m = CalibrationDraw.build(new CalibrationDraw.Options(data, "*.wav", 2, 1.0, RATE, 3, tmp.resolve("cal"), false), n -> { });
        assertEquals(2, m.size());
        // The documented draw order (paths sorted, shuffled with Random(seed)): the short files met before the
        // second long one are the ones skipped.
        List<String> order = new ArrayList<>(List.of("f0.wav", "f1.wav", "f2.wav", "f3.wav"));
        Collections.shuffle(order, new Random(3));
        int skipped = 0;
        for (int k = 0, good = 0; good < 2; k++) {
            if (order.get(k).equals("f0.wav") || order.get(k).equals("f2.wav")) skipped++; else good++;
        }
        assertEquals((long) skipped, ((Number) m.header().get("skipped_too_short")).longValue());
        for (Manifest.Clip c : m.clips()) assertEquals(0.5, c.duration(), 1e-9, c.id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CalibrationDraw.build(
                new CalibrationDraw.Options(data, "*.wav", 3, 1.0, RATE, 3, tmp.resolve("cal2"), false), n -> { }));
        assertTrue(e.getMessage().contains("2 shorter than"), e.getMessage());
    }
}
