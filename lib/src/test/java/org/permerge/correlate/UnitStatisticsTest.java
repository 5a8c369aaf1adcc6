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
