package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * The moments of one batch of rows, computed on the batch's own mean so that a large common offset
 * cannot cancel digits: count, per-unit mean and M2 in float64 and, when asked, the centred rows written to an
 * off-heap buffer as the co-moment's GEMM operand, in float64 or cast to float32 ({@link StatisticsPrecision}).
 * Centring comes first in both, so the cast rounds deviations, never the offset.
 * The rows are read straight from the array's native memory; both passes (mean, then deviations and M2) run
 * over fixed blocks of rows in parallel and add the blocks' partial sums in block order, so the result does not
 * depend on the thread count.
 */
final class BatchMoments {
    /** Rows per block of the parallel passes: fixed, so that the summation order is too. */
    private static final int BLOCK_ROWS = 256;

    final long count;
    final double[] mean;
    final double[] m2;

    private BatchMoments(long count, double[] mean, double[] m2) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
    }

    /** Mean and M2 of x [N, units] (any floating type), without keeping the centred rows. */
    static BatchMoments of(NDArray x, int units, String what) {
        return centre(x, units, what, null, null);
    }

    /** Mean and M2 of x [N, units], writing the centred rows, row-major, cast to float32 into {@code out}. */
    static BatchMoments centreInto(NDArray x, int units, String what, FloatPointer out) {
        return centre(x, units, what, out.asBuffer(), null);
    }

    /** Mean and M2 of x [N, units], writing the centred rows, row-major, in float64 into {@code out}. */
    static BatchMoments centreInto(NDArray x, int units, String what, DoublePointer out) {
        return centre(x, units, what, null, out.asBuffer());
    }

    private static BatchMoments centre(NDArray x, int units, String what, FloatBuffer out32, DoubleBuffer out64) {
        long[] shape = x.getShape().getShape();
        if (shape.length != 2 || shape[1] != units) {
            throw new IllegalArgumentException(what + ": expected activations of shape [N, " + units + "], got "
                    + x.getShape());
        }
        DataType t = x.getDataType();
        if (!t.isFloating()) {
            throw new IllegalArgumentException(what + ": expected floating-point activations, got " + t);
        }
        int n = Math.toIntExact(shape[0]);
        if ((long) n * units > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + ": a batch of " + n + "×" + units + " values is too large; pass"
                    + " fewer frames per batch");
        }
        // float16 / bfloat16 widen to float32 exactly; float32 and float64 are read in place.
        NDArray rows = t == DataType.FLOAT32 || t == DataType.FLOAT64 ? x : x.toType(DataType.FLOAT32, false);
        ByteBuffer bytes = rows.toByteBuffer(true).order(ByteOrder.nativeOrder());
        FloatBuffer in32 = rows.getDataType() == DataType.FLOAT32 ? bytes.asFloatBuffer() : null;
        DoubleBuffer in64 = in32 == null ? bytes.asDoubleBuffer() : null;
        int blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
        double[][] partial = new double[blocks][];
        blocks(blocks, (long) n * units).forEach(k -> {
            double[] sum = new double[units];
            float[] f = in32 != null ? new float[units] : null;
            double[] g = in32 == null ? new double[units] : null;
            for (int r = k * BLOCK_ROWS, end = Math.min(n, r + BLOCK_ROWS); r < end; r++) {
                if (in32 != null) {
                    in32.get(r * units, f);
                    for (int d = 0; d < units; d++) sum[d] += f[d];
                } else {
                    in64.get(r * units, g);
                    for (int d = 0; d < units; d++) sum[d] += g[d];
                }
            }
            partial[k] = sum;
        });
        double[] mean = sumInOrder(partial, units);
        for (int d = 0; d < units; d++) {
            mean[d] /= n;
            // A NaN or infinity anywhere in a column makes that column's mean non-finite: no extra pass.
            if (!Double.isFinite(mean[d])) throw nonFinite(what, d, n);
        }
        // Second pass: deviations from the mean in float64, their squares summed for M2, and the deviations
        // (cast to float32 in that mode) written out as the GEMM operand. One loop per case keeps each vectorisable.
        blocks(blocks, (long) n * units).forEach(k -> {
            double[] squares = new double[units];
            float[] f = new float[units];
            double[] g = new double[units];
            for (int r = k * BLOCK_ROWS, end = Math.min(n, r + BLOCK_ROWS); r < end; r++) {
                if (in32 != null) {
                    in32.get(r * units, f);
                    for (int d = 0; d < units; d++) g[d] = f[d] - mean[d];
                } else {
                    in64.get(r * units, g);
                    for (int d = 0; d < units; d++) g[d] -= mean[d];
                }
                for (int d = 0; d < units; d++) squares[d] += g[d] * g[d];
                if (out32 != null) {
                    for (int d = 0; d < units; d++) f[d] = (float) g[d];
                    out32.put(r * units, f);
                } else if (out64 != null) {
                    out64.put(r * units, g);
                }
            }
            partial[k] = squares;
        });
        double[] m2 = sumInOrder(partial, units);
        for (int d = 0; d < units; d++) {
            if (!Double.isFinite(m2[d])) throw nonFinite(what, d, n);
        }
        return new BatchMoments(n, mean, m2);
    }

    /** The blocks' indices, in parallel when the batch is big enough to repay the hand-off. */
    private static IntStream blocks(int blocks, long values) {
        IntStream s = IntStream.range(0, blocks);
        return blocks > 1 && values >= 1 << 16 ? s.parallel() : s;
    }

    private static double[] sumInOrder(double[][] partial, int units) {
        double[] total = new double[units];
        for (double[] p : partial) {
            for (int d = 0; d < units; d++) total[d] += p[d];
        }
        return total;
    }

    private static IllegalArgumentException nonFinite(String what, int unit, long frames) {
        return new IllegalArgumentException(what + ": unit " + unit + " has a non-finite value (NaN or infinity, or"
                + " beyond float64 range when squared) in this batch of " + frames + " frames; activations must be finite");
    }

    /** Temporarily attaches the inputs to a scope so that every intermediate is freed when it closes. */
    static void attach(ai.djl.ndarray.NDManager scope, NDArray... arrays) {
        for (NDArray a : arrays) {
            if (a != null) scope.tempAttachAll(a);
        }
    }

    /** Rows of x where mask is true; mask is [N] boolean. */
    static NDArray select(NDArray x, NDArray mask, String what) {
        if (mask == null) return x;
        long n = x.getShape().get(0);
        if (mask.getDataType() != DataType.BOOLEAN || mask.getShape().dimension() != 1 || mask.getShape().get(0) != n) {
            throw new IllegalArgumentException(what + ": expected a boolean mask of shape [" + n + "], got "
                    + mask.getDataType() + " " + mask.getShape());
        }
        long d = x.getShape().get(1);
        // The PyTorch engine masks element-wise only, so broadcast the frame mask over the units.
        NDArray full = mask.expandDims(1).broadcast(x.getShape());
        return x.booleanMask(full).reshape(-1, d);
    }
}
