package org.permerge.extract;

import ai.djl.ndarray.NDArray;

/**
 * Receives two models' activations at the same tap, row-aligned: row i of {@code a} and row i of {@code b}
 * describe the same moment of the same clip. Arrays are only valid during the call.
 */
@FunctionalInterface
public interface PairedTapConsumer {
    /**
     * @param a [N, dA] model A's real frames
     * @param b [N, dB] model B's activations at A's frame times
     */
    void accept(String tap, NDArray a, NDArray b);

    /** Whether the consumer wants this tap; unwanted taps cost nothing. */
    default boolean wants(String tap) {
        return true;
    }
}
