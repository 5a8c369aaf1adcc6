package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The moments of one batch of rows, computed on the batch's own mean so that a large common offset
 * cannot cancel digits: count, per-unit mean, the centred rows (float64) for a co-moment, and M2. The
 * co-moment's operand is the float64 centred rows or their float32 cast ({@link StatisticsPrecision}):
 * centring comes first in both, so the cast rounds deviations, never the offset.
 * The centred array is a private copy belonging to the input's manager; the caller's scope closes it.
 * Operations work in place where the copy allows, since allocating large fresh arrays costs as much as
 * the arithmetic.
 */
final class BatchMoments {
    final long count;
    final double[] mean;
    final NDArray centred;
    private final String what;
    private double[] m2;

    private BatchMoments(long count, double[] mean, NDArray centred, String what) {
        this.count = count;
        this.mean = mean;
        this.centred = centred;
        this.what = what;
    }

    /**
     * Mean and centred rows of x [N, D]; any floating type is widened to float64 first.
     *
     * @param what names the space or tap and side, for error messages
     */
    static BatchMoments of(NDArray x, int units, String what) {
        long[] shape = x.getShape().getShape();
        if (shape.length != 2 || shape[1] != units) {
            throw new IllegalArgumentException(what + ": expected activations of shape [N, " + units + "], got "
                    + x.getShape());
        }
        DataType t = x.getDataType();
        if (!t.isFloating()) {
            throw new IllegalArgumentException(what + ": expected floating-point activations, got " + t);
        }
        NDArray meanNd;
        NDArray centred;
        if (t == DataType.FLOAT64) {
            meanNd = x.mean(new int[] {0});
            centred = x.sub(meanNd);  // the caller's array stays untouched
        } else {
            centred = x.toType(DataType.FLOAT64, true);
            meanNd = centred.mean(new int[] {0});
            centred.subi(meanNd);
        }
        double[] mean = meanNd.toDoubleArray();
        // A NaN or infinity anywhere in a column makes that column's mean non-finite: no extra pass.
        for (int k = 0; k < units; k++) {
            if (!Double.isFinite(mean[k])) throw nonFinite(what, k, shape[0]);
        }
        return new BatchMoments(shape[0], mean, centred, what);
    }

    /**
     * The centred rows as the co-moment's GEMM operand in the given precision (the float64 rows themselves, or a
     * float32 copy). Call it before {@link #m2()}, which squares the float64 rows in place.
     */
    NDArray operand(StatisticsPrecision precision) {
        if (m2 != null) throw new IllegalStateException(what + ": the centred rows were already squared for M2");
        return precision == StatisticsPrecision.FLOAT32 ? centred.toType(DataType.FLOAT32, false) : centred;
    }

    /**
     * Per-unit sum of squared deviations. Squares the centred rows in place, so call it only after the
     * centred rows have been used for the co-moment.
     */
    double[] m2() {
        if (m2 == null) {
            m2 = centred.muli(centred).sum(new int[] {0}).toDoubleArray();
            for (int k = 0; k < m2.length; k++) {
                if (!Double.isFinite(m2[k])) throw nonFinite(what, k, count);
            }
        }
        return m2;
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
