package org.permerge.model;

import ai.djl.ndarray.NDArray;

/**
 * Receives named intermediate activations of an encoder forward pass while the batch is still in memory,
 * so that statistics can be streamed without keeping activations.
 *
 * <p>Arrays are only valid during the call: they belong to the forward pass's scope and may be freed as
 * soon as the call returns. Arrays the consumer derives from them are freed with them unless it attaches
 * them to a manager of its own. The consumer must not modify or close them.
 */
@FunctionalInterface
public interface TapConsumer {
    /**
     * One tap of one batch.
     *
     * @param tap        the tap name (see {@link Taps})
     * @param activation [B, T, D] float32, channels last (conv taps too)
     * @param frameMask  [B, T] boolean, true where the frame belongs to a clip (false for padding)
     */
    void accept(String tap, NDArray activation, NDArray frameMask);

    /** Whether this consumer wants that tap at all; the encoder skips the work for taps nobody wants. */
    default boolean wants(String tap) {
        return true;
    }
}
