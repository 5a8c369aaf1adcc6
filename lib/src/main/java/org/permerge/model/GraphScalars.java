package org.permerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplies and divides by a constant in a way the autograd graph can keep, in place of DJL's
 * {@code NDArray.mul(Number)} / {@code div(Number)}, which are unsafe under a {@code GradientCollector}.
 *
 * <p>DJL 0.36's PyTorch engine implements {@code a.mul(n)} as {@code try (NDArray c = manager.create(n)) { return
 * a.mul(c); }}. {@code create} wraps a Java direct {@code ByteBuffer} with {@code torch::from_blob}, so the
 * constant's memory belongs to Java, kept alive only by the Java array. libtorch's autograd saves the constant for
 * the backward pass ({@code d(a·c)/da = c}, {@code d(a/c)/da = 1/c}), but the Java array is closed at once, the
 * buffer becomes garbage, and once a GC frees it the backward pass multiplies the gradient by whatever now lies at
 * that address: 1.7e35 or NaN in the gradient, rarely, depending on GC timing and on which thread reuses the
 * memory (issue 14). {@link #times} and {@link #dividedBy} create the constant with {@code torch::full}, whose
 * storage libtorch owns and reference-counts, so closing its Java handle cannot free what the graph still needs.
 *
 * <p>The same holds for DJL's {@code pow}, {@code maximum} and {@code minimum} with a {@code Number}, whose
 * backward passes also read the constant; {@code add(Number)} and {@code sub(Number)} save nothing and stay safe,
 * as do all of them outside a {@code GradientCollector}. An array made from Java data
 * ({@code NDManager.create(float[], ...)}) has the same hazard as the constant whenever the graph saves it (a
 * factor of {@code mul}, a divisor, an input of {@code matMul} or a convolution) and its Java array is closed
 * before the backward pass.
 */
public final class GraphScalars {
    private GraphScalars() {
    }

    /** {@code a · s}, differentiable, with the constant in libtorch-owned memory. */
    public static NDArray times(NDArray a, double s) {
        try (NDArray c = a.getManager().full(new Shape(), (float) s, a.getDataType())) {
            return a.mul(c);
        }
    }

    /** {@code a / s}, differentiable, with the constant in libtorch-owned memory. */
    public static NDArray dividedBy(NDArray a, double s) {
        try (NDArray c = a.getManager().full(new Shape(), (float) s, a.getDataType())) {
            return a.div(c);
        }
    }
}
