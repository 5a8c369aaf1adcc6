package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.EncoderConfig;
import org.permerge.testing.Fixtures;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class AlignmentStatisticsTest {
    private static NDManager manager;
    private static EncoderConfig config;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        config = EncoderConfig.read(Fixtures.hubert("hubert-tiny-base").resolve("config.json"));
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** Exact (float64) statistics: these tests hold the combine to float64 rounding. */
    private static AlignmentStatistics empty(AlignmentStatistics.PreActivation mode) {
        return AlignmentStatistics.builder().setConfigA(config).setConfigB(config).optPreActivation(mode)
                .optPrecision(StatisticsPrecision.FLOAT64).optProvenance("model.A", "tiny-a").optProvenance("calibration.sha256", "abc").build();
    }

    /** Random correlated paired frames [n, d] for a tap, deterministic per (tap, seed). */
    private static void feedAll(AlignmentStatistics s, int n, long seed) {
        for (String tap : s.taps()) {
            int d = width(tap);
            Random rnd = new Random(seed * 31 + tap.hashCode());
            double[] a = new double[n * d];
            double[] b = new double[n * d];
            for (int k = 0; k < a.length; k++) {
                a[k] = rnd.nextGaussian() + 3;
                b[k] = 0.6 * a[k] + 0.4 * rnd.nextGaussian();
            }
            try (NDManager m = manager.newSubManager()) {
                s.accept(tap, m.create(a, new Shape(n, d)), m.create(b, new Shape(n, d)));
            }
        }
    }

    private static int width(String tap) {
        if (tap.startsWith("feature_extractor.conv_layers.")) return config.convDim()[0];
        if (tap.contains("intermediate")) return config.intermediateSize();
        return config.hiddenSize();
    }

    @Test
    void tapsFeedTheSpacesWhereTheyLive() {
        AlignmentStatistics s = empty(AlignmentStatistics.PreActivation.CORRELATION);
        assertTrue(s.wants("encoder.layers.1.feed_forward.intermediate_act"));
        assertTrue(s.wants("encoder.layers.0.attention.out_proj.input"));
        assertFalse(s.wants("encoder.layers.0.attention.out_proj"));  // defect 4: not after the projection
        assertFalse(s.wants("encoder.layers.0.attention.v_proj"));
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(50, 64)).toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
            s.accept("encoder.layers.1.feed_forward.intermediate_act", x, x);
            s.accept("encoder.layers.1.feed_forward", x, x);  // not a space: ignored
            NDArray h = m.randomNormal(new Shape(20, 32));
            s.accept("encoder.layers.0.attention.q_proj", h, h);
            s.accept("hidden_states.2", h, h);
        }
        assertEquals(50, s.correlation("ffn.1").count());
        assertEquals(0, s.correlation("ffn.0").count());
        assertEquals(20, s.query(0).count());
        assertEquals(0, s.key(0).count());
        assertEquals(20, s.residualAt(2).count());
        assertEquals(20, s.residual(AlignmentStatistics.ResidualPooling.LAST).count());
        assertEquals(0, s.residual(AlignmentStatistics.ResidualPooling.FIRST).count());
        assertEquals(1.0, s.correlation("ffn.1").correlation()[0], 1e-12);
        assertEquals(Long.valueOf(50), s.framesPerSpace().get("ffn.1"));
        assertThrows(IllegalArgumentException.class, () -> s.correlation("qk.0"));
        assertThrows(IllegalArgumentException.class, () -> s.correlation("ffn.9"));
    }

    @Test
    void pooledResidualEqualsOnePassOverEveryHiddenState() {
        AlignmentStatistics s = empty(AlignmentStatistics.PreActivation.UNITS);
        feedAll(s, 40, 1);
        CrossCorrelation direct = new CrossCorrelation(32, 32);
        for (int k = 0; k <= config.numHiddenLayers(); k++) {
            Random rnd = new Random(31 + ("hidden_states." + k).hashCode());
            double[] a = new double[40 * 32];
            double[] b = new double[40 * 32];
            for (int x = 0; x < a.length; x++) {
                a[x] = rnd.nextGaussian() + 3;
                b[x] = 0.6 * a[x] + 0.4 * rnd.nextGaussian();
            }
            try (NDManager m = manager.newSubManager()) {
                direct.update(m.create(a, new Shape(40, 32)), m.create(b, new Shape(40, 32)));
            }
        }
        CrossCorrelation pooled = s.correlation("residual");
        assertEquals(40L * (config.numHiddenLayers() + 1), pooled.count());
        assertArrayEquals(direct.comoment(), pooled.comoment(), 1e-10);
        assertArrayEquals(direct.correlation(), pooled.correlation(), 1e-12);
    }

    @Test
    void saveThenLoadGivesTheSameStatisticsAndProvenance() {
        for (AlignmentStatistics.PreActivation mode : AlignmentStatistics.PreActivation.values()) {
            AlignmentStatistics s = empty(mode);
            feedAll(s, 30, 2);
            Path file = tmp.resolve("stats-" + mode + ".safetensors");
            s.save(file);
            AlignmentStatistics back = AlignmentStatistics.load(file);
            assertEquals(mode, back.preActivationMode());
            assertEquals("tiny-a", back.provenance().get("model.A"));
            assertEquals("abc", back.provenance().get("calibration.sha256"));
            assertEquals(s.framesPerSpace(), back.framesPerSpace());
            for (String space : s.spaces()) {
                if (space.startsWith("qk.")) {
                    int l = Integer.parseInt(space.substring(3));
                    assertArrayEquals(s.query(l).comoment(), back.query(l).comoment(), 0.0);
                    assertArrayEquals(s.key(l).comoment(), back.key(l).comoment(), 0.0);
                } else {
                    assertArrayEquals(s.correlation(space).comoment(), back.correlation(space).comoment(), 0.0, space);
                    assertArrayEquals(s.correlation(space).meanB(), back.correlation(space).meanB(), 0.0, space);
                }
            }
            assertArrayEquals(s.preActivationUnits("ffn.1", false).m2(), back.preActivationUnits("ffn.1", false).m2(), 0.0);
            assertEquals("30", SafeTensors.read(file).metadata().get("frames.ffn.0"));
        }
    }

    @Test
    void float32IsRecordedInTheProvenanceAndKeptByTheFile() {
        assertEquals(StatisticsPrecision.FLOAT64, AlignmentStatistics.builder().setConfigA(config).setConfigB(config).build().precision(),
                "exact float64 is the default");
        AlignmentStatistics s = AlignmentStatistics.builder().setConfigA(config).setConfigB(config).optPrecision(StatisticsPrecision.FLOAT32)
                .build();
        assertEquals(StatisticsPrecision.FLOAT32, s.precision());
        assertEquals("float32", s.provenance().get("statistics.precision"));
        assertEquals(StatisticsPrecision.FLOAT32, s.correlation("ffn.0").precision());
        feedAll(s, 30, 5);
        Path file = tmp.resolve("stats-f32.safetensors");
        s.save(file);
        AlignmentStatistics back = AlignmentStatistics.load(file);
        assertEquals(StatisticsPrecision.FLOAT32, back.precision());
        assertEquals(StatisticsPrecision.FLOAT32, back.correlation("attn.1").precision());
        // The provenance's entry chooses the mode when the builder is not told.
        AlignmentStatistics viaProvenance = AlignmentStatistics.builder().setConfigA(config).setConfigB(config)
                .optProvenance("statistics.precision", "float64").build();
        assertEquals(StatisticsPrecision.FLOAT64, viaProvenance.precision());
        // Adding float32 and float64 runs is refused by name: the sum would not have float64's agreement.
        AlignmentStatistics exact = empty(AlignmentStatistics.PreActivation.CORRELATION);
        AlignmentStatistics fast = AlignmentStatistics.builder().setConfigA(config).setConfigB(config).optPrecision(StatisticsPrecision.FLOAT32)
                .optProvenance("model.A", "tiny-a").optProvenance("calibration.sha256", "abc").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> exact.merge(fast));
        assertTrue(e.getMessage().contains("statistics precision") && e.getMessage().contains("float32"), e.getMessage());
    }

    @Test
    void aFileWithoutAPrecisionEntryWasComputedInFloat64() {
        AlignmentStatistics s = empty(AlignmentStatistics.PreActivation.UNITS);
        Path file = tmp.resolve("stats-old.safetensors");
        s.save(file);
        StateDict sd = SafeTensors.read(file);
        sd.metadata().remove("statistics.precision");
        Path old = tmp.resolve("stats-old-format.safetensors");
        SafeTensors.write(old, sd);
        assertFalse(SafeTensors.read(old).metadata().containsKey("statistics.precision"));
        assertEquals(StatisticsPrecision.FLOAT64, AlignmentStatistics.load(old).precision());
    }

    @Test
    void mergedPartsEqualOneRun() {
        AlignmentStatistics once = empty(AlignmentStatistics.PreActivation.CORRELATION);
        feedAll(once, 25, 3);
        feedAll(once, 35, 4);
        AlignmentStatistics p1 = empty(AlignmentStatistics.PreActivation.CORRELATION);
        AlignmentStatistics p2 = empty(AlignmentStatistics.PreActivation.CORRELATION);
        feedAll(p1, 25, 3);
        feedAll(p2, 35, 4);
        Path f2 = tmp.resolve("part2.safetensors");
        p2.save(f2);
        p1.merge(AlignmentStatistics.load(f2));
        assertEquals("2", p1.provenance().get("parts"));
        for (String space : new String[] {"cnn.3", "ffn.0", "attn.1", "residual"}) {
            assertArrayEquals(once.correlation(space).correlation(), p1.correlation(space).correlation(), 1e-12, space);
        }
        assertArrayEquals(once.preActivation("ffn.1").comoment(), p1.preActivation("ffn.1").comoment(), 1e-9);
        assertSame(p1.correlation("attn.0"), p1.preActivation("attn.0"));
        AlignmentStatistics units = empty(AlignmentStatistics.PreActivation.UNITS);
        assertThrows(IllegalArgumentException.class, () -> p1.merge(units));
    }

    @Test
    void damagedFilesAreRejectedNamingWhatIsWrong() {
        AlignmentStatistics s = empty(AlignmentStatistics.PreActivation.UNITS);
        Path file = tmp.resolve("s.safetensors");
        s.save(file);
        StateDict sd = SafeTensors.read(file);
        sd.remove("attn.1.comoment");
        Path broken = tmp.resolve("broken.safetensors");
        SafeTensors.write(broken, sd);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> AlignmentStatistics.load(broken));
        assertTrue(e.getMessage().contains("attn.1.comoment"), e.getMessage());
        StateDict plain = new StateDict();
        plain.put("x", org.permerge.checkpoint.Tensor.ofDoubles(new long[] {1}, new double[] {1}));
        Path other = tmp.resolve("other.safetensors");
        SafeTensors.write(other, plain);
        e = assertThrows(CheckpointFormatException.class, () -> AlignmentStatistics.load(other));
        assertTrue(e.getMessage().contains("not a permerge statistics file"), e.getMessage());
    }

    /** A copy of a saved statistics file whose two configs say {@code key} is {@code value}. */
    private Path declaring(String key, long value) {
        Path file = tmp.resolve("small.safetensors");
        empty(AlignmentStatistics.PreActivation.CORRELATION).save(file);
        StateDict sd = SafeTensors.read(file);
        for (String side : new String[] {"config.A", "config.B"}) {
            com.google.gson.JsonObject c = com.google.gson.JsonParser.parseString(sd.metadata().get(side)).getAsJsonObject();
            c.addProperty(key, value);
            sd.metadata().put(side, c.toString());
        }
        Path forged = tmp.resolve(key + ".safetensors");
        SafeTensors.write(forged, sd);
        return forged;
    }

    @Test
    void aSmallFileDeclaringHugeLayerCountsOrWidthsIsRefusedBeforeAllocating() throws Exception {
        Path layers = declaring("num_hidden_layers", 100_000_000);
        byte[] before = java.nio.file.Files.readAllBytes(layers);
        RuntimeException e = assertThrows(RuntimeException.class, () -> AlignmentStatistics.load(layers));
        assertTrue(e.getMessage().contains(layers.toString()) && e.getMessage().contains("100000000"), e.getMessage());
        Path wide = declaring("intermediate_size", 1_000_000_000);
        e = assertThrows(RuntimeException.class, () -> AlignmentStatistics.load(wide));
        assertTrue(e.getMessage().contains(wide.toString()) && e.getMessage().contains("1000000000"), e.getMessage());
        assertArrayEquals(before, java.nio.file.Files.readAllBytes(layers), "the input is left as it was");
    }
}
