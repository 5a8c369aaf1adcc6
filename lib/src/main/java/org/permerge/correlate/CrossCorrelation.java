package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.permerge.io.Blas;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Streaming Pearson correlation between every unit of model A and every unit of model B in one
 * permutation space. It keeps only what the correlation needs — per-unit count, mean and M2 of each side
 * and the D_A × D_B cross co-moment Σ(a − ā)(b − b̄)ᵀ — in float64. Each batch is centred on its own
 * mean in float64, its co-moment is one OpenBLAS matrix product ({@link Blas}) in the accumulator's
 * {@link StatisticsPrecision} (float32 or float64), and Chan et al.'s pairwise combine folds it into the running state in float64; {@link #merge} uses the same combine, so partial results from threads, processes or
 * machines add up to the answer of one pass over all frames.
 */
public final class CrossCorrelation {
    private final String name;
    private final StatisticsPrecision precision;
    private final UnitStatistics a;
    private final UnitStatistics b;
    private final double[] comoment;

    /**
     * Empty statistics for a space named {@code name} with dA units in A and dB units in B, computing each batch's
     * co-moment in the given precision.
     */
    public CrossCorrelation(String name, int dA, int dB, StatisticsPrecision precision) {
        this.precision = java.util.Objects.requireNonNull(precision, "precision");
        if ((long) dA * dB > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": a " + dA + "×" + dB + " co-moment does not fit one array");
        }
        this.name = name;
        this.a = new UnitStatistics(name + " (A)", dA);
        this.b = new UnitStatistics(name + " (B)", dB);
        this.comoment = new double[dA * dB];
    }

    /** Empty statistics in the exact mode ({@link StatisticsPrecision#FLOAT64}). */
    public CrossCorrelation(String name, int dA, int dB) {
        this(name, dA, dB, StatisticsPrecision.FLOAT64);
    }

    /** Empty statistics without a space name. */
    public CrossCorrelation(int dA, int dB) {
        this("unnamed", dA, dB);
    }

    /** Statistics from stored values, e.g. when loading a file; the co-moment is row-major dA×dB. */
    public static CrossCorrelation of(String name, UnitStatistics a, UnitStatistics b, double[] comoment) {
        return of(name, a, b, comoment, StatisticsPrecision.FLOAT64);
    }

    /** Stored values that further batches add to in the given precision. */
    public static CrossCorrelation of(String name, UnitStatistics a, UnitStatistics b, double[] comoment,
                                      StatisticsPrecision precision) {
        if (a.count() != b.count()) {
            throw new IllegalArgumentException(name + ": A saw " + a.count() + " frames but B saw " + b.count());
        }
        CrossCorrelation c = new CrossCorrelation(name, a.units(), b.units(), precision);
        if (comoment.length != c.comoment.length) {
            throw new IllegalArgumentException(name + ": co-moment holds " + comoment.length + " values, expected "
                    + a.units() + "×" + b.units());
        }
        c.a.merge(a);
        c.b.merge(b);
        System.arraycopy(comoment, 0, c.comoment, 0, comoment.length);
        return c;
    }

    /** Adds paired frames: row t of a [N, dA] and row t of b [N, dB] come from the same frame. */
    public void update(NDArray a, NDArray b) {
        update(a, b, null);
    }

    /** Adds the paired frames where mask [N] (boolean) is true; padding frames are excluded this way. */
    public void update(NDArray xa, NDArray xb, NDArray mask) {
        long na = xa.getShape().get(0);
        long nb = xb.getShape().get(0);
        if (na != nb) {
            throw new IllegalArgumentException(name + ": A has " + na + " frames but B has " + nb
                    + "; paired frames must be row-aligned");
        }
        try (NDManager scope = NDManager.subManagerOf(xa)) {
            BatchMoments.attach(scope, xa, xb == xa ? null : xb, mask);
            NDArray ra = BatchMoments.select(xa, mask, a.name());
            NDArray rb = BatchMoments.select(xb, mask, b.name());
            if (ra.getShape().get(0) == 0) return;
            int n = Math.toIntExact(ra.getShape().get(0));
            int k = BatchMoments.operandRows(n);
            int dA = a.units();
            int dB = b.units();
            MomentWorkspace w = MomentWorkspace.current();
            BatchMoments ma;
            BatchMoments mb;
            Buffer product;
            // Centre in float64 into reused off-heap buffers (BatchMoments: blocks centred on their own means, plus one
            // mean-shift row per block), then one OpenBLAS GEMM C = Aᵀ·B over those k rows in the chosen precision; C
            // joins the float64 running sum in combine.
            if (precision == StatisticsPrecision.FLOAT32) {
                FloatPointer ca = w.floats(MomentWorkspace.CENTRED_A, (long) k * dA);
                FloatPointer cb = w.floats(MomentWorkspace.CENTRED_B, (long) k * dB);
                FloatPointer c = w.floats(MomentWorkspace.PRODUCT, (long) dA * dB);
                ma = BatchMoments.centreInto(ra, dA, a.name(), ca);
                mb = BatchMoments.centreInto(rb, dB, b.name(), cb);
                Blas.sgemm(true, false, dA, dB, k, 1f, ca, dA, cb, dB, 0f, c, dB);
                product = c.asBuffer();
            } else {
                DoublePointer ca = w.doubles(MomentWorkspace.CENTRED_A, (long) k * dA);
                DoublePointer cb = w.doubles(MomentWorkspace.CENTRED_B, (long) k * dB);
                DoublePointer c = w.doubles(MomentWorkspace.PRODUCT, (long) dA * dB);
                ma = BatchMoments.centreInto(ra, dA, a.name(), ca);
                mb = BatchMoments.centreInto(rb, dB, b.name(), cb);
                Blas.dgemm(true, false, dA, dB, k, 1.0, ca, dA, cb, dB, 0.0, c, dB);
                product = c.asBuffer();
            }
            combine(ma.count, ma.mean, ma.m2, mb.mean, mb.m2, product);
        }
    }

    /** Adds another accumulator's frames (same space, same widths). */
    public void merge(CrossCorrelation other) {
        if (other.a.units() != a.units() || other.b.units() != b.units()) {
            throw new IllegalArgumentException("cannot merge " + other.name + " (" + other.a.units() + "×"
                    + other.b.units() + ") into " + name + " (" + a.units() + "×" + b.units() + ")");
        }
        combine(other.count(), other.a.mean(), other.a.m2(), other.b.mean(), other.b.m2(),
                DoubleBuffer.wrap(other.comoment));
    }

    /**
     * Chan's combine of another set's moments: c2 is its co-moment, row-major dA×dB, float32 (a batch product) or
     * float64. Rows are independent, so large ones run in parallel; each element's sum is the same either way.
     */
    private void combine(long n2, double[] meanA2, double[] m2A2, double[] meanB2, double[] m2B2, Buffer c2) {
        if (n2 == 0) return;
        long n1 = count();
        double f = (double) n1 * n2 / (n1 + n2);
        double[] da = a.combine(n2, meanA2, m2A2);
        double[] db = b.combine(n2, meanB2, m2B2);
        int dA = a.units();
        int dB = b.units();
        IntStream rows = IntStream.range(0, dA);
        if ((long) dA * dB >= 1 << 18) rows = rows.parallel();
        rows.forEach(i -> {
            double fi = f * da[i];
            int base = i * dB;
            if (c2 instanceof FloatBuffer c) {
                float[] row = new float[dB];
                c.get(base, row);
                for (int j = 0; j < dB; j++) comoment[base + j] += row[j] + fi * db[j];
            } else {
                double[] row = new double[dB];
                ((DoubleBuffer) c2).get(base, row);
                for (int j = 0; j < dB; j++) comoment[base + j] += row[j] + fi * db[j];
            }
        });
    }

    public String name() {
        return name;
    }

    /** The arithmetic of each batch's co-moment. */
    public StatisticsPrecision precision() {
        return precision;
    }

    /** Paired frames seen. */
    public long count() {
        return a.count();
    }

    public int unitsA() {
        return a.units();
    }

    public int unitsB() {
        return b.units();
    }

    /** Model A's per-unit statistics (a copy). */
    public UnitStatistics statisticsA() {
        return a.copy();
    }

    /** Model B's per-unit statistics (a copy). */
    public UnitStatistics statisticsB() {
        return b.copy();
    }

    public double[] meanA() {
        return a.mean();
    }

    public double[] varianceA() {
        return a.variance();
    }

    public double[] meanB() {
        return b.mean();
    }

    public double[] varianceB() {
        return b.variance();
    }

    /** The cross co-moment Σ(a − ā)(b − b̄)ᵀ, row-major dA×dB (a copy). */
    public double[] comoment() {
        return comoment.clone();
    }

    /** Population cross-covariance, row-major dA×dB. */
    public double[] covariance() {
        double[] c = comoment.clone();
        long n = count();
        if (n == 0) return c;
        for (int k = 0; k < c.length; k++) c[k] /= n;
        return c;
    }

    /**
     * Pearson correlation, row-major dA×dB. A dead unit (see {@link #deadUnitsA()}) correlates 0 with
     * everything rather than NaN; values are clipped to [−1, 1] against rounding.
     */
    public double[] correlation() {
        int dA = a.units();
        int dB = b.units();
        double[] out = new double[dA * dB];
        if (count() == 0) return out;
        double[] sa = inverseRootM2(a);
        double[] sb = inverseRootM2(b);
        for (int i = 0; i < dA; i++) {
            if (sa[i] == 0) continue;
            int base = i * dB;
            for (int j = 0; j < dB; j++) {
                double r = comoment[base + j] * sa[i] * sb[j];
                out[base + j] = r > 1 ? 1 : (r < -1 ? -1 : r);
            }
        }
        return out;
    }

    private static double[] inverseRootM2(UnitStatistics s) {
        double[] m2 = s.m2();
        boolean[] dead = s.deadMask();
        double[] inv = new double[m2.length];
        for (int k = 0; k < m2.length; k++) inv[k] = dead[k] ? 0 : 1.0 / Math.sqrt(m2[k]);
        return inv;
    }

    /** Units of A that do not vary over the frames seen ({@link UnitStatistics#deadUnits}); their correlations are reported as 0. */
    public int[] deadUnitsA() {
        return a.deadUnits();
    }

    /** Units of B that do not vary over the frames seen ({@link UnitStatistics#deadUnits}); their correlations are reported as 0. */
    public int[] deadUnitsB() {
        return b.deadUnits();
    }

    /** A deep copy. */
    public CrossCorrelation copy() {
        return of(name, a, b, comoment, precision);
    }

    @Override
    public String toString() {
        return "CrossCorrelation[" + name + ", " + precision.key() + ", " + a.units() + "×" + b.units() + ", " + count() + " frames, dead A "
                + Arrays.toString(deadUnitsA()) + ", dead B " + Arrays.toString(deadUnitsB()) + "]";
    }
}
