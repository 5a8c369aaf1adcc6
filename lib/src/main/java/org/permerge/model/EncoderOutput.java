package org.permerge.model;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * What one encoder forward pass returns; every array belongs to the scope the forward ran in.
 */
public final class EncoderOutput {
    private final List<NDArray> hiddenStates;
    private final NDArray lastHiddenState;
    private final NDArray frameMask;
    private final int[] frames;

    EncoderOutput(List<NDArray> hiddenStates, NDArray lastHiddenState, NDArray frameMask, int[] frames) {
        this.hiddenStates = List.copyOf(hiddenStates);
        this.lastHiddenState = lastHiddenState;
        this.frameMask = frameMask;
        this.frames = frames.clone();
    }

    /**
     * The residual stream, {@code numHiddenLayers + 1} arrays [B, T, H], with transformers 5.x semantics:
     * entry 0 is the input of the first layer (after the encoder LayerNorm in the post-LN layout, before
     * any LayerNorm in the stable layout), entry K the output of layer K (in the stable layout the last
     * entry is before the final LayerNorm).
     */
    public List<NDArray> hiddenStates() {
        return hiddenStates;
    }

    /** The encoder output [B, T, H] (after the final LayerNorm in the stable layout). */
    public NDArray lastHiddenState() {
        return lastHiddenState;
    }

    /** [B, T] boolean, true for frames that belong to a clip, false for padding. */
    public NDArray frameMask() {
        return frameMask;
    }

    /** Real frames of each clip. */
    public int[] frames() {
        return frames.clone();
    }
}
