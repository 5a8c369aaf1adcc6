package org.permerge.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every parameter tensor a HuBERT-family encoder of a given config has, under transformers' current
 * names, with its shape — the contract between checkpoint loading, the encoder, the permutation spec
 * and the writer.
 */
public final class ParameterLayout {
    /** Current (transformers 5.x) name of the positional conv's weight-norm magnitude g. */
    public static final String POS_CONV_G = "encoder.pos_conv_embed.conv.parametrizations.weight.original0";
    /** Current name of the positional conv's weight-norm direction v. */
    public static final String POS_CONV_V = "encoder.pos_conv_embed.conv.parametrizations.weight.original1";

    private ParameterLayout() {}

    /** Name → shape of every tensor, in the order transformers' state dict lists them. */
    public static Map<String, long[]> expectedShapes(EncoderConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int h = c.hiddenSize();
        m.put("masked_spec_embed", new long[] {h});
        int in = 1;
        for (int i = 0; i < c.numConvLayers(); i++) {
            String p = "feature_extractor.conv_layers." + i + ".";
            int out = c.convDim()[i];
            m.put(p + "conv.weight", new long[] {out, in, c.convKernel()[i]});
            if (c.convBias()) m.put(p + "conv.bias", new long[] {out});
            if (c.isLayerNormLayout() || i == 0) {
                m.put(p + "layer_norm.weight", new long[] {out});
                m.put(p + "layer_norm.bias", new long[] {out});
            }
            in = out;
        }
        m.put("feature_projection.layer_norm.weight", new long[] {in});
        m.put("feature_projection.layer_norm.bias", new long[] {in});
        m.put("feature_projection.projection.weight", new long[] {h, in});
        m.put("feature_projection.projection.bias", new long[] {h});
        m.put("encoder.pos_conv_embed.conv.bias", new long[] {h});
        m.put(POS_CONV_G, new long[] {1, 1, c.numConvPosEmbeddings()});
        m.put(POS_CONV_V, new long[] {h, h / c.numConvPosEmbeddingGroups(), c.numConvPosEmbeddings()});
        m.put("encoder.layer_norm.weight", new long[] {h});
        m.put("encoder.layer_norm.bias", new long[] {h});
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = "encoder.layers." + l + ".";
            for (String proj : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
                m.put(p + "attention." + proj + ".weight", new long[] {h, h});
                m.put(p + "attention." + proj + ".bias", new long[] {h});
            }
            m.put(p + "layer_norm.weight", new long[] {h});
            m.put(p + "layer_norm.bias", new long[] {h});
            m.put(p + "feed_forward.intermediate_dense.weight", new long[] {c.intermediateSize(), h});
            m.put(p + "feed_forward.intermediate_dense.bias", new long[] {c.intermediateSize()});
            m.put(p + "feed_forward.output_dense.weight", new long[] {h, c.intermediateSize()});
            m.put(p + "feed_forward.output_dense.bias", new long[] {h});
            m.put(p + "final_layer_norm.weight", new long[] {h});
            m.put(p + "final_layer_norm.bias", new long[] {h});
        }
        return m;
    }
}
