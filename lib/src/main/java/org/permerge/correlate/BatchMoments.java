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
 * The moments of one batch of rows in float64 (count, per-unit mean, M2) and, when asked, the GEMM operand whose
 * product with the other side's is the batch's cross co-moment, in float64 or cast to float32
 * ({@link StatisticsPrecision}).
 *
 * <p>The rows are read straight from the array's native memory in blocks of {@value #BLOCK_ROWS} rows, each block
 * centred on its own mean in float64 while it is still in cache (so a large common offset cancels no digits and
 * the cast rounds deviations, never the offset), and blocks are added up by Chan's combine: the mean is the
 * blocks' sums over N, M2 = Σ M2ₖ + Σ nₖ(mₖ − m)², and the co-moment Σ (aₖ,ₜ − mₖᵃ)(bₖ,ₜ − mₖᵇ)ᵀ + Σ nₖ(mₖᵃ − mᵃ)(mₖᵇ − mᵇ)ᵀ
 * is one GEMM over the operand's rows: the N centred rows followed by one row √nₖ(mₖ − m) per block
 * ({@link #operandRows}). One pass over main memory instead of two. Blocks run in parallel and their partial sums
 * add up in block order, so nothing depends on the thread count.
 */
final class BatchMoments {
    /** Rows per block: small enough to stay in cache between its two passes, and fixed, so the summation order is too. */
    static final int BLOCK_ROWS = 128;

    final long count;
    final double[] mean;
    final double[] m2;

    private BatchMoments(long count, double[] mean, double[] m2) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
    }

    /** Rows of the GEMM operand of a batch of n rows: the n centred rows and one mean-shift row per block. */
    static int operandRows(int n) {
        return n + blocks(n);
    }

    private static int blocks(int n) {
        return (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
    }

    /** Mean and M2 of x [N, units] (any floating type), without the operand. */
    static BatchMoments of(NDArray x, int units, String what) {
        return centre(x, units, what, null, null);
    }

    /** Mean and M2 of x [N, units], writing its float32 operand ({@link #operandRows} × units, row-major) into {@code out}. */
    static BatchMoments centreInto(NDArray x, int units, String what, FloatPointer out) {
        return centre(x, units, what, out.asBuffer(), null);
    }

    /** Mean and M2 of x [N, units], writing its float64 operand ({@link #operandRows} × units, row-major) into {@code out}. */
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
        if ((long) operandRows(n) * units > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(what + ": a batch of " + n + "×" + units + " values is too large; pass"
                    + " fewer frames per batch");
        }
        // float16 / bfloat16 widen to float32 exactly; float32 and float64 are read in place.
        NDArray rows = t == DataType.FLOAT32 || t == DataType.FLOAT64 ? x : x.toType(DataType.FLOAT32, false);
        ByteBuffer bytes = rows.toByteBuffer(true).order(ByteOrder.nativeOrder());
        FloatBuffer in32 = rows.getDataType() == DataType.FLOAT32 ? bytes.asFloatBuffer() : null;
        DoubleBuffer in64 = in32 == null ? bytes.asDoubleBuffer() : null;
        int blocks = blocks(n);
        double[][] blockMean = new double[blocks][];
        double[][] blockM2 = new double[blocks][];
        IntStream indices = IntStream.range(0, blocks);
        if (blocks > 1 && (long) n * units >= 1 << 16) indices = indices.parallel();
        indices.forEach(k -> {
            int from = k * BLOCK_ROWS;
            int to = Math.min(n, from + BLOCK_ROWS);
            double[] mean = new double[units];
            double[] squares = new double[units];
            float[] f = new float[units];
            double[] g = new double[units];
            for (int r = from; r < to; r++) {
                if (in32 != null) {
                    in32.get(r * units, f);
                    for (int d = 0; d < units; d++) mean[d] += f[d];
                } else {
                    in64.get(r * units, g);
                    for (int d = 0; d < units; d++) mean[d] += g[d];
                }
            }
            int rowsInBlock = to - from;
            for (int d = 0; d < units; d++) {
                mean[d] /= rowsInBlock;
                // A NaN or infinity anywhere in a column makes its block mean non-finite: no extra pass.
                if (!Double.isFinite(mean[d])) throw nonFinite(what, d, n);
            }
            // Second pass over the block, now in cache: deviations in float64, their squares, the operand's rows.
            for (int r = from; r < to; r++) {
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
            blockMean[k] = mean;
            blockM2[k] = squares;
        });
        double[] mean = new double[units];
        for (int k = 0; k < blocks; k++) {
            double rowsInBlock = Math.min(n, (k + 1) * BLOCK_ROWS) - k * BLOCK_ROWS;
            for (int d = 0; d < units; d++) mean[d] += blockMean[k][d] * rowsInBlock;
        }
        for (int d = 0; d < units; d++) mean[d] /= n;
        // Chan's combine of the blocks: within-block M2 plus the spread of the block means, and the same spread as
        // one extra operand row per block, so that the GEMM adds the between-block co-moment too.
        double[] m2 = new double[units];
        double[] shift = new double[units];
        float[] shift32 = new float[units];
        for (int k = 0; k < blocks; k++) {
            double rowsInBlock = Math.min(n, (k + 1) * BLOCK_ROWS) - k * BLOCK_ROWS;
            double root = Math.sqrt(rowsInBlock);
            for (int d = 0; d < units; d++) {
                double delta = blockMean[k][d] - mean[d];
                m2[d] += blockM2[k][d] + rowsInBlock * delta * delta;
                shift[d] = root * delta;
            }
            if (out32 != null) {
                for (int d = 0; d < units; d++) shift32[d] = (float) shift[d];
                out32.put((n + k) * units, shift32);
            } else if (out64 != null) {
                out64.put((n + k) * units, shift);
            }
        }
        for (int d = 0; d < units; d++) {
            if (!Double.isFinite(m2[d])) throw nonFinite(what, d, n);
        }
        return new BatchMoments(n, mean, m2);
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
