package org.permerge.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.permerge.checkpoint.CheckpointFormatException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The architecture of a HuBERT-family encoder, read from a Hugging Face {@code config.json}
 * ({@code model_type} "hubert", or MERT's "mert_model" when its extra options are neutral). Immutable.
 *
 * @param convDim            output channels of each conv block of the feature extractor
 * @param convKernel         kernel width of each conv block
 * @param convStride         stride of each conv block
 * @param convBias           whether the convs have a bias
 * @param featExtractNorm    "group" (GroupNorm in conv block 0 only) or "layer" (LayerNorm after every conv)
 * @param hiddenSize         width of the residual stream
 * @param numHiddenLayers    transformer layers
 * @param numAttentionHeads  attention heads per layer
 * @param intermediateSize   FFN width
 * @param numConvPosEmbeddings       positional conv kernel width
 * @param numConvPosEmbeddingGroups  positional conv groups
 * @param layerNormEps       epsilon of every LayerNorm (and the GroupNorm)
 * @param doStableLayerNorm  pre-LN ("stable") transformer when true, post-LN when false
 * @param modelType          the declared model_type, kept for provenance
 */
public record EncoderConfig(
        int[] convDim, int[] convKernel, int[] convStride, boolean convBias, String featExtractNorm,
        int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
        int numConvPosEmbeddings, int numConvPosEmbeddingGroups, double layerNormEps,
        boolean doStableLayerNorm, String modelType) {

    private static final Set<String> KNOWN_TYPES = Set.of("hubert", "mert_model");

    public EncoderConfig {
        if (convDim.length != convKernel.length || convDim.length != convStride.length || convDim.length == 0) {
            throw new CheckpointFormatException("config: conv_dim, conv_kernel and conv_stride must have the same, non-zero"
                    + " length, got " + convDim.length + ", " + convKernel.length + ", " + convStride.length);
        }
        if (!featExtractNorm.equals("group") && !featExtractNorm.equals("layer")) {
            throw new CheckpointFormatException("config: feat_extract_norm '" + featExtractNorm + "' is not supported, expected 'group' or 'layer'");
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new CheckpointFormatException("config: hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (hiddenSize % numConvPosEmbeddingGroups != 0) {
            throw new CheckpointFormatException("config: hidden_size " + hiddenSize + " is not divisible by num_conv_pos_embedding_groups " + numConvPosEmbeddingGroups);
        }
        convDim = convDim.clone();
        convKernel = convKernel.clone();
        convStride = convStride.clone();
    }

    /** Number of conv blocks in the feature extractor. */
    public int numConvLayers() {
        return convDim.length;
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Channels leaving the last conv block (input width of the feature projection). */
    public int extractorDim() {
        return convDim[convDim.length - 1];
    }

    /** Audio samples per output frame (product of strides: 320 for HuBERT, i.e. 50 frames/s at 16 kHz). */
    public int totalStride() {
        int s = 1;
        for (int x : convStride) s *= x;
        return s;
    }

    /** The receptive field of one output frame, in samples: the shortest clip that yields a frame (400 for HuBERT). */
    public int receptiveField() {
        int r = 1;
        for (int j = convKernel.length - 1; j >= 0; j--) r = (r - 1) * convStride[j] + convKernel[j];
        return r;
    }

    /** Frames the feature extractor produces for a clip of n samples (0 when too short). */
    public int framesFor(long samples) {
        long t = samples;
        for (int i = 0; i < convKernel.length; i++) {
            t = t < convKernel[i] ? 0 : (t - convKernel[i]) / convStride[i] + 1;
        }
        return (int) t;
    }

    /** Whether this is the "large" layout: LayerNorm CNN and pre-LN transformer. */
    public boolean isLayerNormLayout() {
        return featExtractNorm.equals("layer");
    }

    /** A short human description of the layout. */
    public String layoutName() {
        return (isLayerNormLayout() ? "layer-norm CNN" : "group-norm CNN") + " + "
                + (doStableLayerNorm ? "pre-LN (stable) transformer" : "post-LN transformer");
    }

    /** Reads {@code config.json}; unsupported architectures and computation-changing MERT options are refused by name. */
    public static EncoderConfig read(Path configJson) {
        try {
            return fromJson(JsonParser.parseString(Files.readString(configJson)).getAsJsonObject(), configJson.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configJson + ": " + e.getMessage(), e);
        } catch (IllegalStateException | com.google.gson.JsonParseException e) {
            throw new CheckpointFormatException(configJson + ": not a JSON object: " + e.getMessage(), e);
        }
    }

    /** Parses a config object; {@code source} names it in errors. */
    public static EncoderConfig fromJson(JsonObject o, String source) {
        String type = str(o, "model_type", source, "hubert");
        if (!KNOWN_TYPES.contains(type)) {
            throw new CheckpointFormatException(source + ": model_type '" + type + "' is not a HuBERT-family encoder (expected one of " + KNOWN_TYPES + ")");
        }
        refuseNonNeutral(o, source);
        for (String act : List.of("hidden_act", "feat_extract_activation")) {
            if (o.has(act) && !o.get(act).getAsString().equals("gelu")) {
                throw new CheckpointFormatException(source + ": " + act + " '" + o.get(act).getAsString() + "' is not supported (only 'gelu')");
            }
        }
        if (o.has("conv_pos_batch_norm") && o.get("conv_pos_batch_norm").getAsBoolean()) {
            throw new CheckpointFormatException(source + ": conv_pos_batch_norm=true is not supported");
        }
        if (o.has("feat_proj_layer_norm") && !o.get("feat_proj_layer_norm").getAsBoolean()) {
            throw new CheckpointFormatException(source + ": feat_proj_layer_norm=false is not supported");
        }
        return new EncoderConfig(
                ints(o, "conv_dim", source), ints(o, "conv_kernel", source), ints(o, "conv_stride", source),
                bool(o, "conv_bias", false), str(o, "feat_extract_norm", source, "group"),
                integer(o, "hidden_size", source), integer(o, "num_hidden_layers", source),
                integer(o, "num_attention_heads", source), integer(o, "intermediate_size", source),
                integer(o, "num_conv_pos_embeddings", source), integer(o, "num_conv_pos_embedding_groups", source),
                o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsDouble() : 1e-5,
                bool(o, "do_stable_layer_norm", false), type);
    }

    /** MERT options that would change the computation; neutral values (METHOD.md) are accepted. */
    private static void refuseNonNeutral(JsonObject o, String source) {
        if (bool(o, "feature_extractor_cqt", false)) {
            throw new CheckpointFormatException(source + ": MERT option feature_extractor_cqt=true changes the computation and is not implemented");
        }
        if (bool(o, "deepnorm", false)) {
            throw new CheckpointFormatException(source + ": MERT option deepnorm=true changes the computation and is not implemented");
        }
        // attention_relax > 0 is a rescaled softmax, equal in exact arithmetic: accepted.
        for (String opt : List.of("attention_relax")) {
            if (o.has(opt) && !o.get(opt).isJsonNull() && o.get(opt).getAsDouble() == 0) {
                throw new CheckpointFormatException(source + ": MERT option " + opt + "=0 is not a valid setting");
            }
        }
    }

    /** The config as a transformers {@code HubertConfig} JSON object ({@code model_type} "hubert"). */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        JsonArray arch = new JsonArray();
        arch.add("HubertModel");
        o.add("architectures", arch);
        o.addProperty("model_type", "hubert");
        o.add("conv_dim", array(convDim));
        o.add("conv_kernel", array(convKernel));
        o.add("conv_stride", array(convStride));
        o.addProperty("conv_bias", convBias);
        o.addProperty("feat_extract_norm", featExtractNorm);
        o.addProperty("feat_extract_activation", "gelu");
        o.addProperty("feat_proj_layer_norm", true);
        o.addProperty("num_feat_extract_layers", convDim.length);
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("num_hidden_layers", numHiddenLayers);
        o.addProperty("num_attention_heads", numAttentionHeads);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("hidden_act", "gelu");
        o.addProperty("num_conv_pos_embeddings", numConvPosEmbeddings);
        o.addProperty("num_conv_pos_embedding_groups", numConvPosEmbeddingGroups);
        o.addProperty("conv_pos_batch_norm", false);
        o.addProperty("layer_norm_eps", layerNormEps);
        o.addProperty("do_stable_layer_norm", doStableLayerNorm);
        o.addProperty("apply_spec_augment", false);
        for (String p : List.of("hidden_dropout", "activation_dropout", "attention_dropout", "feat_proj_dropout", "final_dropout", "layerdrop")) {
            o.addProperty(p, 0.0);
        }
        o.addProperty("vocab_size", 32);
        return o;
    }

    /** Pretty JSON text of {@link #toJson()}. */
    public String toJsonString() {
        Gson g = new GsonBuilder().setPrettyPrinting().create();
        return g.toJson(toJson());
    }

    private static JsonArray array(int[] v) {
        JsonArray a = new JsonArray();
        for (int x : v) a.add(x);
        return a;
    }

    private static int[] ints(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            throw new CheckpointFormatException(source + ": field '" + key + "' is missing or not a list of integers");
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    private static int integer(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new CheckpointFormatException(source + ": field '" + key + "' is missing or not an integer");
        }
        return e.getAsInt();
    }

    private static boolean bool(JsonObject o, String key, boolean dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsBoolean();
    }

    private static String str(JsonObject o, String key, String source, String dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EncoderConfig c && Arrays.equals(convDim, c.convDim) && Arrays.equals(convKernel, c.convKernel)
                && Arrays.equals(convStride, c.convStride) && convBias == c.convBias && featExtractNorm.equals(c.featExtractNorm)
                && hiddenSize == c.hiddenSize && numHiddenLayers == c.numHiddenLayers && numAttentionHeads == c.numAttentionHeads
                && intermediateSize == c.intermediateSize && numConvPosEmbeddings == c.numConvPosEmbeddings
                && numConvPosEmbeddingGroups == c.numConvPosEmbeddingGroups && layerNormEps == c.layerNormEps
                && doStableLayerNorm == c.doStableLayerNorm;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(convDim) * 31 + hiddenSize * 17 + numHiddenLayers;
    }

    @Override
    public String toString() {
        return "EncoderConfig[" + layoutName() + ", conv " + Arrays.toString(convDim) + ", hidden " + hiddenSize
                + ", layers " + numHiddenLayers + ", heads " + numAttentionHeads + ", ffn " + intermediateSize + "]";
    }
}
