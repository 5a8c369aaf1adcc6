package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.CrossCorrelation;
import org.permerge.testing.Fixtures;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** End to end: audio → paired extraction → statistics file, sharded runs merged equal one run. */
class StatsCommandTest {
    @TempDir
    Path tmp;

    private Path manifest() {
        Random rnd = new Random(8);
        List<Manifest.Clip> clips = new ArrayList<>();
        int[] lengths = {3000, 4400, 2600, 5000};
        for (int c = 0; c < lengths.length; c++) {
            float[] x = new float[lengths[c]];
            double f = 180 + 90 * c;
            for (int t = 0; t < x.length; t++) {
                x[t] = (float) (0.3 * Math.sin(2 * Math.PI * f * t / 16000) + 0.05 * rnd.nextGaussian());
            }
            Path wav = tmp.resolve("clip" + c + ".wav");
            Wav.write(wav, x, 16000);
            clips.add(new Manifest.Clip("clip" + c, wav.getFileName().toString(), x.length / 16000.0, 16000, Map.of(),
                    "calibration", Map.of(), Map.of(), Manifest.sha256(wav), tmp));
        }
        Path file = tmp.resolve("calibration.jsonl");
        Manifest.of(Map.of("generator", "StatsCommandTest"), clips, tmp).write(file);
        return file;
    }

    private int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Test
    void modelAgainstItselfCorrelatesOneOnTheDiagonalAndShardsMergeToTheWhole() {
        Path m = manifest();
        String model = Fixtures.hubert("hubert-tiny-base").toString();
        Path whole = tmp.resolve("whole.safetensors");
        // The exact (default) mode holds the diagonal to 1e-9; the shards below run in the float32 mode.
        assertEquals(0, run("stats", "--a", model, "--b", model, "--calibration", m.toString(), "--out", whole.toString(),
                "--max-batch-seconds", "0.4", "--precision", "float64"));
        AlignmentStatistics s = AlignmentStatistics.load(whole);
        assertEquals(org.permerge.correlate.StatisticsPrecision.FLOAT64, s.precision());
        assertEquals(Manifest.read(m).checksum(), s.provenance().get("calibration.sha256"));
        // 4 clips of 3000..5000 samples at 320 samples per frame.
        long frames = 0;
        for (int n : new int[] {3000, 4400, 2600, 5000}) frames += s.configA().framesFor(n);
        assertEquals(frames, s.correlation("ffn.0").count());
        for (String space : s.spaces()) {
            if (space.startsWith("qk.")) continue;
            CrossCorrelation cc = s.correlation(space);
            assertTrue(cc.count() > 0, space);
            double[] r = cc.correlation();
            int d = cc.unitsA();
            java.util.Set<Integer> dead = new java.util.HashSet<>();
            for (int u : cc.deadUnitsA()) dead.add(u);
            for (int i = 0; i < d; i++) {
                if (!dead.contains(i)) assertEquals(1.0, r[i * d + i], 1e-9, space + " unit " + i);
            }
        }

        Path s0 = tmp.resolve("s0.safetensors");
        Path s1 = tmp.resolve("s1.safetensors");
        assertEquals(0, run("stats", "--a", model, "--b", model, "--calibration", m.toString(), "--out", s0.toString(),
                "--shard", "0/2", "--max-batch-seconds", "0.4", "--precision", "float32"));
        assertEquals(0, run("stats", "--a", model, "--b", model, "--calibration", m.toString(), "--out", s1.toString(),
                "--shard", "1/2", "--max-batch-seconds", "0.4", "--precision", "float32"));
        Path merged = tmp.resolve("merged.safetensors");
        assertEquals(0, run("stats-merge", s0.toString(), s1.toString(), "--out", merged.toString()));
        AlignmentStatistics back = AlignmentStatistics.load(merged);
        assertEquals("float32", back.provenance().get("statistics.precision"));
        for (String space : new String[] {"cnn.0", "cnn.6", "ffn.1", "attn.0", "residual"}) {
            assertEquals(s.correlation(space).count(), back.correlation(space).count(), space);
            assertArrayEquals(s.correlation(space).correlation(), back.correlation(space).correlation(), 1e-6, space);
        }
        assertNotEquals(0, run("stats", "--a", model, "--b", model, "--calibration", m.toString(), "--out",
                tmp.resolve("x").toString(), "--shard", "2/2"));
    }

    @Test
    void aClipShorterThanTheReceptiveFieldIsNamedBeforeAnyForwardPass() throws Exception {
        Path m = manifest();
        // One clip of 300 samples (the fixture's receptive field is larger) among the four long ones: batched last.
        Path wav = tmp.resolve("short.wav");
        Wav.write(wav, new float[300], 16000);
        Manifest read = Manifest.read(m);
        List<Manifest.Clip> clips = new ArrayList<>(read.clips());
        clips.add(new Manifest.Clip("tiny-one", "short.wav", 300 / 16000.0, 16000, Map.of(), "calibration", Map.of(), Map.of(),
                Manifest.sha256(wav), tmp));
        Path withShort = tmp.resolve("with-short.jsonl");
        Manifest.of(Map.of("generator", "StatsCommandTest"), clips, tmp).write(withShort);
        String model = Fixtures.hubert("hubert-tiny-base").toString();
        assertTrue(org.permerge.model.EncoderCheckpoint.load(Path.of(model)).config().receptiveField() > 300);
        java.io.StringWriter err = new java.io.StringWriter();
        Path out = tmp.resolve("never.safetensors");
        int rc = new CommandLine(new Main()).setErr(new java.io.PrintWriter(err, true))
                .setExecutionExceptionHandler((ex, cl, parsed) -> {
                    cl.getErr().println(ex.getMessage());
                    return 1;
                }).execute("stats", "--a", model, "--b", model, "--calibration", withShort.toString(), "--out", out.toString());
        assertEquals(1, rc);
        assertTrue(err.toString().contains("1 clip(s) are shorter than the receptive field") && err.toString().contains("'tiny-one'")
                && err.toString().contains("300 samples"), err.toString());
        assertFalse(java.nio.file.Files.exists(out));
    }
}
