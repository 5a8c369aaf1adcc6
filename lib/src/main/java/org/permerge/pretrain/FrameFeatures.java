package org.permerge.pretrain;

/**
 * An acoustic feature of a mono clip, one row per frame, whose frame t covers samples [320·t, 320·t + 400)
 * at 16 kHz — the receptive field and hop of the encoder's output frame t — so k-means labels line up
 * with encoder frames.
 */
@FunctionalInterface
public interface FrameFeatures {
    /** [frames][dims] for a clip sampled at {@code sampleRate}. */
    float[][] compute(float[] mono, int sampleRate);
}
