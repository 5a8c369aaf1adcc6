package org.permerge.correlate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The dead-unit rule: relative to the tap's median variance, with a count of 0 and a median of 0 handled. */
class UnitStatisticsTest {
    /** Statistics over n frames with the given per-unit variances and means (M2 = n · variance). */
    private static UnitStatistics of(long n, double[] variance, double[] mean) {
        double[] m2 = new double[variance.length];
        for (int k = 0; k < m2.length; k++) m2[k] = n * variance[k];
        return UnitStatistics.of("t", n, mean, m2);
    }

    @Test
    void aUnitIsDeadBelowTheRatioOfTheMedianVariance() {
        // Median variance 1: 1e-9 is below the 1e-8 ratio (dead), 1e-7 above it (live).
        UnitStatistics s = of(100, new double[] {1, 2, 0.5, 1e-9, 1e-7, 1}, new double[6]);
        assertArrayEquals(new int[] {3}, s.deadUnits());
        // A unit constant at float32 resolution around a large mean is dead whatever the median.
        UnitStatistics big = of(100, new double[] {1, 1, 1e-14}, new double[] {0, 0, 1e4});
        assertArrayEquals(new int[] {2}, big.deadUnits());
    }

    @Test
    void aUnitVaryingOnlyByFloat32RoundingIsDeadAndOneStepMoreIsNot() {
        // Unit 0 takes the float32 neighbours of 1000 (spacing 6.1e-5): a constant seen through float32 rounding.
        // Unit 1 varies by 0.01 around 1000, 160 float32 steps. Unit 2 is an ordinary activation.
        int n = 400;
        float[] x = new float[n * 3];
        java.util.Random rnd = new java.util.Random(11);
        for (int t = 0; t < n; t++) {
            float c = 1000f;
            int r = rnd.nextInt(3);
            x[t * 3] = r == 0 ? c : r == 1 ? Math.nextUp(c) : Math.nextDown(c);
            x[t * 3 + 1] = 1000f + 0.01f * (float) rnd.nextGaussian();
            x[t * 3 + 2] = (float) rnd.nextGaussian();
        }
        UnitStatistics s = new UnitStatistics("t", 3);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            s.update(m.create(x, new ai.djl.ndarray.types.Shape(n, 3)));
        }
        double std0 = s.std()[0];
        assertTrue(std0 > 0 && std0 < 1e-4, "unit 0 spreads by rounding only: " + std0);
        assertArrayEquals(new int[] {0}, s.deadUnits());
        // The float32 rule sits a few steps above rounding: 1e-9 of the mean would have kept unit 0 alive.
        assertTrue(std0 > 1e-9 * 1000);
        assertTrue(s.std()[1] > UnitStatistics.DEAD_FLOAT32_STEPS * UnitStatistics.FLOAT32_RESOLUTION * 1000);
    }

    @Test
    void aMedianOfZeroFallsBackToTheMedianOfTheUnitsThatVaried() {
        // Four of six units never varied (silent audio): the median is 0, the reference is the median of {4, 1e-12}
        // (about 2), and 1e-12 is below 1e-8 of it.
        UnitStatistics s = of(50, new double[] {0, 0, 4, 0, 1e-12, 0}, new double[6]);
        assertArrayEquals(new int[] {0, 1, 3, 4, 5}, s.deadUnits());
        UnitStatistics wide = of(50, new double[] {0, 0, 4, 0, 3, 0}, new double[6]);
        assertArrayEquals(new int[] {0, 1, 3, 5}, wide.deadUnits());
        assertArrayEquals(new int[] {0, 1, 2}, of(50, new double[3], new double[3]).deadUnits(), "all constant: all dead");
    }

    @Test
    void withNoFramesEveryUnitIsDead() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, new UnitStatistics("empty", 4).deadUnits());
        boolean[] mask = new UnitStatistics("empty", 2).deadMask();
        assertTrue(mask[0] && mask[1]);
    }
}
