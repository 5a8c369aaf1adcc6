package org.permerge.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.model.HubertEncoder;
import org.permerge.model.Taps;
import org.permerge.testing.Fixtures;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paired extraction gives row-aligned frames of two models, interpolated in time when their rates differ. */
class PairedExtractionTest {
    static HubertEncoder base;
    static HubertEncoder large;

    @BeforeAll
    static void load() {
        base = HubertEncoder.create(EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")));
        large = HubertEncoder.create(EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-large")));
    }

    @AfterAll
    static void close() {
        base.close();
        large.close();
    }

    @Test
    void sameRateGivesEachModelsOwnRowsInTheSameOrder() {
        List<float[]> clips = ExtractionTest.clips(11, 2500, 4000, 1200);
        Map<String, float[][]> seen = new HashMap<>();
        ExtractionSummary s = PairedExtraction.builder().setModelA(base, new Preprocessor(16000, false))
                .setModelB(large, new Preprocessor(16000, true)).optMaxBatchSeconds(0.3).optProgress(false).build()
                .run(clips, 16000, (tap, a, b) -> {
                    assertEquals(a.getShape().get(0), b.getShape().get(0), tap);
                    float[][] prev = seen.get(tap);
                    float[] av = a.toFloatArray();
                    float[] bv = b.toFloatArray();
                    seen.put(tap, prev == null ? new float[][] {av, bv}
                            : new float[][] {concat(prev[0], av), concat(prev[1], bv)});
                });
        assertEquals(Taps.all(base.config()).size(), seen.size());
        // Reference: each model alone through Extraction, same batching (A normalised? no; B normalised).
        ExtractionTest.Rows ra = new ExtractionTest.Rows();
        ExtractionTest.Rows rb = new ExtractionTest.Rows();
        Extraction.builder().setEncoder(base).setPreprocessor(new Preprocessor(16000, false)).optMaxBatchSeconds(0.3)
                .optProgress(false).build().run(clips, 16000, ra);
        Extraction.builder().setEncoder(large).setPreprocessor(new Preprocessor(16000, true)).optMaxBatchSeconds(0.3)
                .optProgress(false).build().run(clips, 16000, rb);
        for (String tap : seen.keySet()) {
            assertArrayEquals(flatten(ra.rows.get(tap)), seen.get(tap)[0], 1e-5f, "A " + tap);
            assertArrayEquals(flatten(rb.rows.get(tap)), seen.get(tap)[1], 1e-5f, "B " + tap);
        }
        long framesA = 0;
        for (float[] c : clips) framesA += base.framesFor(new int[] {c.length})[0];
        assertEquals(framesA, s.frames());
    }

    @Test
    void interpolationIsExactOnFunctionsLinearInTime() {
        FrameGrid ga = new FrameGrid(320, 400, 16000);
        FrameGrid gb = new FrameGrid(320, 400, 24000);
        int[] framesB = {70, 40};
        int[] framesA = {46, 20};
        int t = 75;
        int d = 3;
        float[] v = new float[2 * t * d];
        for (int c = 0; c < 2; c++) {
            for (int f = 0; f < t; f++) {
                for (int k = 0; k < d; k++) v[(c * t + f) * d + k] = (float) ((k + 1) * gb.timeOf(f) + c);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray out = PairedExtraction.interpolate(m.create(v, new Shape(2, t, d)), framesB, framesA, ga, gb);
            assertEquals(new Shape(66, d), out.getShape());
            float[] o = out.toFloatArray();
            int row = 0;
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < framesA[c]; i++, row++) {
                    // clamped to B's last real frame when A's frame lies beyond it
                    double time = Math.min(ga.timeOf(i), gb.timeOf(framesB[c] - 1));
                    time = Math.max(time, gb.timeOf(0));
                    for (int k = 0; k < d; k++) assertEquals((k + 1) * time + c, o[row * d + k], 1e-5, "clip " + c + " frame " + i);
                }
            }
        }
    }

    @Test
    void modelAt24kHzIsPairedByTimeWithAOnAsFrames() {
        List<float[]> clips = ExtractionTest.clips(12, 4000, 3200);
        Map<String, long[]> shapes = new HashMap<>();
        PairedExtraction.builder().setModelA(base, new Preprocessor(16000, false)).setModelB(base, new Preprocessor(24000, false))
                .optResample(true).optProgress(false).build()
                .run(clips, 16000, new PairedTapConsumer() {
                    @Override
                    public void accept(String tap, NDArray a, NDArray b) {
                        shapes.put(tap, new long[] {a.getShape().get(0), a.getShape().get(1), b.getShape().get(0), b.getShape().get(1)});
                        assertTrue(b.isNaN().logicalNot().all().getBoolean());
                    }

                    @Override
                    public boolean wants(String tap) {
                        return !tap.startsWith("hidden_states");
                    }
                });
        int framesA = base.framesFor(new int[] {4000, 3200})[0] + base.framesFor(new int[] {4000, 3200})[1];
        assertArrayEquals(new long[] {framesA, 32, framesA, 32}, shapes.get(Taps.layer(1)));
        assertEquals(Taps.all(base.config()).size() - 3, shapes.size());
        long conv0 = (4000 - 10) / 5 + 1 + (3200 - 10) / 5 + 1;
        assertArrayEquals(new long[] {conv0, 16, conv0, 16}, shapes.get(Taps.conv(0)));
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static float[] flatten(List<float[]> rows) {
        int n = 0;
        for (float[] r : rows) n += r.length;
        float[] out = new float[n];
        int o = 0;
        for (float[] r : rows) {
            System.arraycopy(r, 0, out, o, r.length);
            o += r.length;
        }
        return out;
    }
}
