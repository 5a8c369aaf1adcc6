package org.permerge.checkpoint;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PreprocessorTest {
    @Test
    void withoutNormalisationTheClipPassesUnchanged() {
        float[] x = {0.5f, -0.25f, 3f};
        float[] y = new Preprocessor(16000, false).apply(x, 16000);
        assertArrayEquals(x, y, 0f);
        assertNotSame(x, y);
    }

    @Test
    void normalisationGivesZeroMeanUnitVariance() {
        java.util.Random r = new java.util.Random(3);
        float[] x = new float[48000];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.3 + 0.05 * r.nextGaussian());
        float[] y = new Preprocessor(24000, true).apply(x, 24000);
        double mean = 0;
        double sq = 0;
        for (float v : y) mean += v;
        mean /= y.length;
        for (float v : y) sq += (v - mean) * (v - mean);
        assertEquals(0, mean, 1e-5);
        assertEquals(1, sq / y.length, 1e-4);
        // Hand-computed case: [1, 3] has mean 2 and population variance 1, so the result is [-1, 1] up to epsilon.
        float[] two = new Preprocessor(16000, true).apply(new float[] {1f, 3f}, 16000);
        assertArrayEquals(new float[] {(float) (-1 / Math.sqrt(1 + 1e-7)), (float) (1 / Math.sqrt(1 + 1e-7))}, two, 1e-7f);
    }

    @Test
    void wrongRateIsAnErrorNamingBothRates() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Preprocessor(16000, false).apply(new float[10], 24000));
        assertTrue(e.getMessage().contains("24000 Hz") && e.getMessage().contains("16000 Hz"), e.getMessage());
    }

    @Test
    void nanSampleIsAnErrorNamingItsPosition() {
        float[] x = new float[5];
        x[3] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Preprocessor(16000, true).apply(x, 16000));
        assertTrue(e.getMessage().contains("sample 3"), e.getMessage());
    }
}
