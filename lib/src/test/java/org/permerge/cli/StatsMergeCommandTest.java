package org.permerge.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.model.EncoderConfig;
import org.permerge.testing.Fixtures;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class StatsMergeCommandTest {
    @TempDir
    Path tmp;

    private static AlignmentStatistics part(EncoderConfig c, long seed, String clips) {
        AlignmentStatistics s = AlignmentStatistics.builder().setConfigA(c).setConfigB(c)
                .optProvenance("calibration", clips).build();
        Random rnd = new Random(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            for (String tap : s.taps()) {
                int d = tap.startsWith("feature_extractor") ? c.convDim()[0] : tap.contains("intermediate") ? c.intermediateSize() : c.hiddenSize();
                double[] a = new double[20 * d];
                double[] b = new double[20 * d];
                for (int k = 0; k < a.length; k++) {
                    a[k] = rnd.nextGaussian();
                    b[k] = a[k] * 0.5 + rnd.nextGaussian();
                }
                s.accept(tap, m.create(a, new Shape(20, d)), m.create(b, new Shape(20, d)));
            }
        }
        return s;
    }

    @Test
    void mergedFileEqualsMergingInMemory() {
        EncoderConfig c = EncoderConfig.read(Fixtures.hubert("hubert-tiny-base").resolve("config.json"));
        AlignmentStatistics p1 = part(c, 1, "part-1");
        AlignmentStatistics p2 = part(c, 2, "part-2");
        p1.save(tmp.resolve("p1.safetensors"));
        p2.save(tmp.resolve("p2.safetensors"));
        Path out = tmp.resolve("merged.safetensors");
        int rc = new CommandLine(new Main()).execute("stats-merge", tmp.resolve("p1.safetensors").toString(),
                tmp.resolve("p2.safetensors").toString(), "--out", out.toString());
        assertEquals(0, rc);
        AlignmentStatistics merged = AlignmentStatistics.load(out);
        p1.merge(p2);
        assertEquals(40, merged.correlation("ffn.1").count());
        assertArrayEquals(p1.correlation("attn.0").comoment(), merged.correlation("attn.0").comoment(), 0.0);
        assertEquals("part-1 | part-2", merged.provenance().get("calibration"));
        assertEquals("2", merged.provenance().get("parts"));
        assertNotEquals(0, new CommandLine(new Main()).execute("stats-merge", tmp.resolve("missing").toString(),
                "--out", out.toString()));
    }
}
