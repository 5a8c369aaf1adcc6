package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The moments of one batch of rows, computed on the batch's own mean so that a large common offset
 * cannot cancel digits: count, per-unit mean and M2, and the centred rows (float64) for a co-moment.
 * The centred array belongs to the manager of the input; the caller's scope closes it.
 */
final class BatchMoments {
    final long count;
    final double[] mean;
    final double[] m2;
    final NDArray centred;

    private BatchMoments(long count, double[] mean, double[] m2, NDArray centred) {
        this.count = count;
        this.mean = mean;
        this.m2 = m2;
        this.centred = centred;
    }

    /**
     * Moments of x [N, D]; any floating type is widened to float64 first.
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
        NDArray x64 = t == DataType.FLOAT64 ? x : x.toType(DataType.FLOAT64, false);
        NDArray meanNd = x64.mean(new int[] {0});
        NDArray centred = x64.sub(meanNd);
        double[] mean = meanNd.toDoubleArray();
        double[] m2 = centred.square().sum(new int[] {0}).toDoubleArray();
        // A NaN or infinity anywhere in a column makes that column's mean or M2 non-finite: no extra pass.
        for (int k = 0; k < units; k++) {
            if (!Double.isFinite(mean[k]) || !Double.isFinite(m2[k])) {
                throw new IllegalArgumentException(what + ": unit " + k + " has a non-finite value (NaN or infinity)"
                        + " in this batch of " + shape[0] + " frames; activations must be finite");
            }
        }
        return new BatchMoments(shape[0], mean, m2, centred);
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
