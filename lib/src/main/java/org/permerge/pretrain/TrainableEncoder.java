package org.permerge.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.EncoderConfig;

import java.util.Map;

/**
 * What masked prediction needs from an encoder: a differentiable forward that replaces masked frames by
 * {@code masked_spec_embed}, its trainable tensors, and its weights as a state dict for saving.
 */
public interface TrainableEncoder extends AutoCloseable {
    EncoderConfig config();

    /**
     * Last hidden state [B,T,H] of a batch of equal-length clips, differentiable in {@link #parameters()}.
     *
     * @param inputValues [B,N] float32 preprocessed audio
     * @param maskTimeIndices [B,T] boolean, true = frame replaced by masked_spec_embed; null = none
     */
    NDArray lastHiddenState(NDManager scope, NDArray inputValues, NDArray maskTimeIndices);

    /** Trainable tensors by their transformers names; updating them in place updates the encoder. */
    Map<String, NDArray> parameters();

    /** Current weights (copied off the native tensors). */
    StateDict toStateDict();

    @Override
    void close();
}
