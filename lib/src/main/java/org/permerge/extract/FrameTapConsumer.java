package org.permerge.extract;

import ai.djl.ndarray.NDArray;

/**
 * Receives one model's activations at one tap with padding frames already dropped.
 * The array is only valid during the call (see {@link org.permerge.model.TapConsumer}).
 */
@FunctionalInterface
public interface FrameTapConsumer {
    /** @param frames [N, D] float32: every real frame of the batch, one row each */
    void accept(String tap, NDArray frames);

    /** Whether the consumer wants this tap; unwanted taps cost nothing. */
    default boolean wants(String tap) {
        return true;
    }
}
