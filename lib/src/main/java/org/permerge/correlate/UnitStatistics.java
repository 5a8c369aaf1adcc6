package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Per-unit count, mean and sum of squared deviations (M2) of one model's activations at one tap, in
 * float64, updated a batch at a time and merged with Chan et al.'s pairwise combine, so partial results
 * from several runs add up to what one run over all frames gives. REPAIR reads its means and variances.
 */
public final class UnitStatistics {
    private final String name;
    private final int units;
    private long count;
    private final double[] mean;
    private final double[] m2;

    /** Empty statistics for a tap of the given width. */
    public UnitStatistics(String name, int units) {
        if (units <= 0) throw new IllegalArgumentException(name + ": unit count must be positive, got " + units);
        this.name = name;
        this.units = units;
        this.mean = new double[units];
        this.m2 = new double[units];
    }

    /** Empty statistics without a name. */
    public UnitStatistics(int units) {
        this("unnamed", units);
    }

    /** Statistics from stored values (count, mean, M2), e.g. when loading a file. */
    public static UnitStatistics of(String name, long count, double[] mean, double[] m2) {
        if (mean.length != m2.length) {
            throw new IllegalArgumentException(name + ": mean has " + mean.length + " units but M2 has " + m2.length);
        }
        if (count < 0) throw new IllegalArgumentException(name + ": negative count " + count);
        UnitStatistics s = new UnitStatistics(name, mean.length);
        s.count = count;
        System.arraycopy(mean, 0, s.mean, 0, mean.length);
        System.arraycopy(m2, 0, s.m2, 0, m2.length);
        return s;
    }

    /** Adds the frames of x [N, units] (any floating type). */
    public void update(NDArray x) {
        update(x, null);
    }

    /** Adds the frames of x [N, units] where mask [N] is true (padding frames excluded). */
    public void update(NDArray x, NDArray mask) {
        try (NDManager scope = NDManager.subManagerOf(x)) {
            // Intermediates of operations on x land in the scope and are freed with it; x goes back.
            BatchMoments.attach(scope, x, mask);
            NDArray rows = BatchMoments.select(x, mask, name);
            if (rows.getShape().get(0) == 0) return;
            BatchMoments b = BatchMoments.of(rows, units, name);
            combine(b.count, b.mean, b.m2);
        }
    }

    /** Adds another accumulator's frames; the result equals one pass over both sets of frames. */
    public void merge(UnitStatistics other) {
        if (other.units != units) {
            throw new IllegalArgumentException("cannot merge " + other.name + " (" + other.units + " units) into "
                    + name + " (" + units + " units)");
        }
        combine(other.count, other.mean, other.m2);
    }

    /**
     * Chan's combine of (count, mean, M2) with another set; returns the mean shift δ = meanB − meanA before
     * the update, scaled by nothing, for callers that combine cross moments too.
     */
    double[] combine(long nb, double[] meanB, double[] m2B) {
        double[] delta = new double[units];
        if (nb == 0) return delta;
        long na = count;
        long n = na + nb;
        double wb = (double) nb / n;
        double f = (double) na * nb / n;
        for (int k = 0; k < units; k++) {
            double d = meanB[k] - mean[k];
            delta[k] = d;
            mean[k] += d * wb;
            m2[k] += m2B[k] + d * d * f;
        }
        count = n;
        return delta;
    }

    public String name() {
        return name;
    }

    public int units() {
        return units;
    }

    /** Frames seen. */
    public long count() {
        return count;
    }

    /** Per-unit mean (a copy). */
    public double[] mean() {
        return mean.clone();
    }

    /** Per-unit sum of squared deviations from the mean (a copy). */
    public double[] m2() {
        return m2.clone();
    }

    /** Per-unit population variance M2 / count (0 before any frame). */
    public double[] variance() {
        double[] v = new double[units];
        if (count == 0) return v;
        for (int k = 0; k < units; k++) v[k] = m2[k] / count;
        return v;
    }

    /** Per-unit population standard deviation. */
    public double[] std() {
        double[] v = variance();
        for (int k = 0; k < units; k++) v[k] = Math.sqrt(v[k]);
        return v;
    }

    /** A unit whose variance is at most this fraction of its tap's reference variance is dead. */
    public static final double DEAD_VARIANCE_RATIO = 1e-8;

    /** float32's relative resolution: the spacing of float32 values between 1 and 2 (2⁻²³ ≈ 1.19·10⁻⁷). */
    public static final double FLOAT32_RESOLUTION = Math.ulp(1.0f);

    /**
     * A unit whose standard deviation is at most this many {@link #FLOAT32_RESOLUTION}s of its mean's magnitude
     * (4·2⁻²³ ≈ 4.8·10⁻⁷) is constant at float32 resolution: its values lie within a few adjacent float32 numbers
     * of its mean, so what varies is rounding in the model's float32 arithmetic, not a signal.
     */
    public static final double DEAD_FLOAT32_STEPS = 4;

    /**
     * Units whose activations do not vary over the frames seen; their correlation is undefined and taken as 0,
     * and matching leaves them in place. Every unit is dead when no frame was seen (count 0). Otherwise a unit
     * is dead when its variance is at most {@link #DEAD_VARIANCE_RATIO} (10⁻⁸, a standard deviation 10⁴ times
     * smaller) times the median variance of this tap's units, or when its standard deviation is at most
     * {@link #DEAD_FLOAT32_STEPS} float32 steps of its mean's magnitude (about 4.8·10⁻⁷ of it: the activations
     * are float32, and a spread of a few steps is their rounding). Neither threshold depends on the co-moment's
     * {@link StatisticsPrecision}: both modes centre in float64 before any cast, so a float32 product resolves a
     * small spread relative to itself, whatever the mean. Where the median is 0 (half the units or
     * more never varied, e.g. over silent audio) the reference is the median of the non-zero variances; where
     * every variance is 0 every unit is dead.
     */
    public int[] deadUnits() {
        boolean[] dead = deadMask();
        return java.util.stream.IntStream.range(0, units).filter(k -> dead[k]).toArray();
    }

    /** {@link #deadUnits()} as a mask over the units. */
    public boolean[] deadMask() {
        boolean[] dead = new boolean[units];
        if (count == 0) {
            java.util.Arrays.fill(dead, true);
            return dead;
        }
        double[] var = variance();
        double reference = median(var, false);
        if (reference == 0) reference = median(var, true);
        double floor = DEAD_VARIANCE_RATIO * reference;
        for (int k = 0; k < units; k++) dead[k] = !(var[k] > floor) || isDead(var[k], mean[k]);
        return dead;
    }

    /** The median of the values (of the positive ones only when asked; 0 when there are none). */
    private static double median(double[] values, boolean positiveOnly) {
        double[] v = positiveOnly ? java.util.Arrays.stream(values).filter(x -> x > 0).toArray() : values.clone();
        if (v.length == 0) return 0;
        java.util.Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
    }

    /** Constant at float32 resolution: a standard deviation of at most a few float32 steps of the mean (or NaN). */
    static boolean isDead(double variance, double mean) {
        double floor = DEAD_FLOAT32_STEPS * FLOAT32_RESOLUTION * Math.abs(mean);
        return !(variance > floor * floor);
    }

    /** A copy. */
    public UnitStatistics copy() {
        return of(name, count, mean, m2);
    }

    @Override
    public String toString() {
        return "UnitStatistics[" + name + ", " + units + " units, " + count + " frames]";
    }
}
