package org.permerge.pretrain;

import org.permerge.model.EncoderConfig;
import org.permerge.model.ParameterLayout;

/**
 * The mini encoders' architecture: HuBERT Base's layer kinds, order and layout (group-norm CNN with
 * HuBERT's kernels and strides, i.e. 50 frames/s at 16 kHz, then a post-LN transformer), scaled down to
 * under 2 M parameters so a checkpoint stays under 8 MB in float32 and trains on two CPU cores.
 */
public final class MiniArchitecture {
    /** HuBERT Base's conv kernels. */
    public static final int[] CONV_KERNEL = {10, 3, 3, 3, 3, 2, 2};
    /** HuBERT Base's conv strides (product 320). */
    public static final int[] CONV_STRIDE = {5, 2, 2, 2, 2, 2, 2};

    private MiniArchitecture() {}

    /** 7 conv blocks × 64 channels, 4 post-LN layers of width 192 with 4 heads and FFN 768, positional conv 32 wide in 16 groups. */
    public static EncoderConfig config() {
        return config(64, 192, 4, 4, 768, 32, 16);
    }

    /** The same layer kinds and order with other widths (tests use a tiny one). */
    public static EncoderConfig config(int convChannels, int hidden, int layers, int heads, int ffn, int posKernel, int posGroups) {
        int[] dims = new int[CONV_KERNEL.length];
        java.util.Arrays.fill(dims, convChannels);
        return new EncoderConfig(dims, CONV_KERNEL, CONV_STRIDE, false, "group", hidden, layers, heads, ffn,
                posKernel, posGroups, 1e-5, false, "hubert");
    }

    /** Scalar parameters of a config (every tensor of its {@link ParameterLayout}). */
    public static long parameterCount(EncoderConfig c) {
        long n = 0;
        for (long[] shape : ParameterLayout.expectedShapes(c).values()) {
            long m = 1;
            for (long d : shape) m *= d;
            n += m;
        }
        return n;
    }
}
