package org.permerge.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Names of the tap points of a HuBERT-family encoder: transformers' module paths (as the reference fixtures
 * use them after {@code tap.}) plus a few extra points the merging pipeline needs.
 */
public final class Taps {
    /** Output of the feature projection (LayerNorm 512 then Linear), before any masking. */
    public static final String FEATURE_PROJECTION = "feature_projection";
    /** Output of the positional conv embedding (after its GELU), before it is added to the residual stream. */
    public static final String POS_CONV = "encoder.pos_conv_embed";
    /** The encoder's final output ({@code last_hidden_state}). */
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";

    private Taps() {}

    /** Conv block j's output after its norm (if any) and GELU. */
    public static String conv(int j) {
        return "feature_extractor.conv_layers." + j;
    }

    /** Layer l's query projection output, before the 1/sqrt(head_dim) scaling. */
    public static String q(int l) {
        return attention(l) + ".q_proj";
    }

    public static String k(int l) {
        return attention(l) + ".k_proj";
    }

    public static String v(int l) {
        return attention(l) + ".v_proj";
    }

    /** Output of layer l's attention output projection (= the attention module's output). */
    public static String outProj(int l) {
        return attention(l) + ".out_proj";
    }

    /** The concatenated head outputs of layer l: the input of its out_proj (where {@code attn.l} lives). */
    public static String outProjInput(int l) {
        return outProj(l) + ".input";
    }

    /** Layer l's FFN intermediate before the activation (the pre-activation REPAIR needs). */
    public static String intermediateDense(int l) {
        return layer(l) + ".feed_forward.intermediate_dense";
    }

    /** Layer l's FFN intermediate after GELU: the input of output_dense (where {@code ffn.l} lives). */
    public static String intermediateAct(int l) {
        return layer(l) + ".feed_forward.intermediate_act";
    }

    /** Output of layer l's feed-forward block (output_dense), before the residual add. */
    public static String feedForward(int l) {
        return layer(l) + ".feed_forward";
    }

    /** Layer l's output. */
    public static String layer(int l) {
        return "encoder.layers." + l;
    }

    /** The residual stream entry K of {@code hidden_states} (transformers 5.x semantics). */
    public static String hiddenState(int k) {
        return "hidden_states." + k;
    }

    private static String attention(int l) {
        return layer(l) + ".attention";
    }

    /** Whether the tap is a conv block output (its frames are conv frames, not encoder frames). */
    public static boolean isConv(String tap) {
        return tap.startsWith("feature_extractor.conv_layers.");
    }

    /** The conv block index of a conv tap. */
    public static int convIndex(String tap) {
        if (!isConv(tap)) throw new IllegalArgumentException("not a conv tap: " + tap);
        return Integer.parseInt(tap.substring("feature_extractor.conv_layers.".length()));
    }

    /** Every tap the encoder of this config emits, in emission order. */
    public static List<String> all(EncoderConfig c) {
        List<String> out = new ArrayList<>();
        for (int j = 0; j < c.numConvLayers(); j++) out.add(conv(j));
        out.add(FEATURE_PROJECTION);
        out.add(POS_CONV);
        out.add(hiddenState(0));
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            out.add(q(l));
            out.add(k(l));
            out.add(v(l));
            out.add(outProjInput(l));
            out.add(outProj(l));
            out.add(intermediateDense(l));
            out.add(intermediateAct(l));
            out.add(feedForward(l));
            out.add(layer(l));
            out.add(hiddenState(l + 1));
        }
        out.add(LAST_HIDDEN_STATE);
        return out;
    }
}
