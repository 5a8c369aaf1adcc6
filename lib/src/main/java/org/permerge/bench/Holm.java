package org.permerge.bench;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Holm's step-down correction of p-values for a family of tests (Holm 1979): sorted ascending, the j-th smallest
 * (1-based) of m is multiplied by m − j + 1, capped at 1 and made non-decreasing along the order. It controls the
 * family-wise error rate without assuming independence.
 */
public final class Holm {
    private Holm() {}

    /** Holm-adjusted p-values, in the order given; a NaN p-value (an undefined test) stays NaN and does not count in m. */
    public static double[] adjust(double[] p) {
        Integer[] order = new Integer[p.length];
        int m = 0;
        for (int i = 0; i < p.length; i++) {
            if (!Double.isNaN(p[i]) && !(p[i] >= 0 && p[i] <= 1)) {
                throw new IllegalArgumentException("p-value " + i + " is " + p[i] + ", expected a value in [0, 1]");
            }
            order[i] = i;
            if (!Double.isNaN(p[i])) m++;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> Double.isNaN(p[i]) ? Double.POSITIVE_INFINITY : p[i]));
        double[] out = new double[p.length];
        Arrays.fill(out, Double.NaN);
        double running = 0;
        for (int j = 0; j < m; j++) {
            int i = order[j];
            running = Math.max(running, Math.min(1, (m - j) * p[i]));
            out[i] = running;
        }
        return out;
    }
}
