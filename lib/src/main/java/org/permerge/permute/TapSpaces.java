package org.permerge.permute;

import org.permerge.model.EncoderConfig;

/**
 * Which permutation space indexes the channel axis of each encoder tap (METHOD.md "where each space
 * lives"): a permuted model's tap equals the original's gathered by that space's effective permutation.
 */
public final class TapSpaces {
    private TapSpaces() {}

    /**
     * The space on the channel axis of a tap of a HuBERT-family encoder; unknown tap names are an error.
     * The residual stream ({@code feature_projection}, positional conv, out_proj / feed-forward outputs,
     * layer outputs, {@code hidden_states.K}, {@code last_hidden_state}) is {@link PermutationSpec#RESIDUAL}.
     */
    public static String spaceOf(String tap) {
        if (tap.startsWith("feature_extractor.conv_layers.")) {
            return PermutationSpec.cnn(Integer.parseInt(tap.substring("feature_extractor.conv_layers.".length())));
        }
        if (tap.equals("feature_projection") || tap.equals("encoder.pos_conv_embed") || tap.equals("last_hidden_state")
                || tap.startsWith("hidden_states.")) {
            return PermutationSpec.RESIDUAL;
        }
        if (tap.startsWith("encoder.layers.")) {
            String rest = tap.substring("encoder.layers.".length());
            int dot = rest.indexOf('.');
            if (dot < 0) return PermutationSpec.RESIDUAL; // the layer's output
            int l = Integer.parseInt(rest.substring(0, dot));
            switch (rest.substring(dot + 1)) {
                case "attention.q_proj", "attention.k_proj":
                    return PermutationSpec.qk(l);
                case "attention.v_proj", "attention.out_proj.input":
                    return PermutationSpec.attn(l);
                case "feed_forward.intermediate_dense", "feed_forward.intermediate_act":
                    return PermutationSpec.ffn(l);
                case "attention.out_proj", "feed_forward":
                    return PermutationSpec.RESIDUAL;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("tap '" + tap + "' is not a known tap of a HuBERT-family encoder");
    }

    /** The same, checked against a config's spaces. */
    public static Space spaceOf(String tap, EncoderConfig config) {
        return PermutationSpec.hubert(config).space(spaceOf(tap));
    }
}
