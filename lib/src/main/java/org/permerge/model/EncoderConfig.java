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

    /** Most transformer layers a config may declare (the largest published HuBERT-family encoders have 48). */
    public static final int MAX_LAYERS = 1024;
    /** Most conv blocks in the feature extractor (HuBERT has 7). */
    public static final int MAX_CONV_LAYERS = 64;
    /** Most elements one weight tensor may have: it must fit a Java array. */
    public static final long MAX_TENSOR_ELEMENTS = Integer.MAX_VALUE - 8;
    /** Largest receptive field and total stride, in samples (HuBERT: 400 and 320; this bound is over 17 minutes at 16 kHz). */
    public static final long MAX_RECEPTIVE_FIELD = 1L << 24;

    public EncoderConfig {
        if (convDim == null || convKernel == null || convStride == null) {
            throw new CheckpointFormatException("config: conv_dim, conv_kernel and conv_stride are required lists of integers");
        }
        if (convDim.length != convKernel.length || convDim.length != convStride.length || convDim.length == 0) {
            throw new CheckpointFormatException("config: conv_dim, conv_kernel and conv_stride must have the same, non-zero"
                    + " length, got " + convDim.length + ", " + convKernel.length + ", " + convStride.length);
        }
        if (convDim.length > MAX_CONV_LAYERS) {
            throw new CheckpointFormatException("config: conv_dim lists " + convDim.length + " conv blocks, more than the supported "
                    + MAX_CONV_LAYERS);
        }
        for (int i = 0; i < convDim.length; i++) {
            positive("conv_dim[" + i + "]", convDim[i]);
            positive("conv_kernel[" + i + "]", convKernel[i]);
            positive("conv_stride[" + i + "]", convStride[i]);
        }
        if (featExtractNorm == null || !featExtractNorm.equals("group") && !featExtractNorm.equals("layer")) {
            throw new CheckpointFormatException("config: feat_extract_norm '" + featExtractNorm + "' is not supported, expected 'group' or 'layer'");
        }
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("intermediate_size", intermediateSize);
        positive("num_conv_pos_embeddings", numConvPosEmbeddings);
        positive("num_conv_pos_embedding_groups", numConvPosEmbeddingGroups);
        if (numHiddenLayers > MAX_LAYERS) {
            throw new CheckpointFormatException("config: num_hidden_layers " + numHiddenLayers + " is more than the supported " + MAX_LAYERS);
        }
        if (!(layerNormEps > 0) || !Double.isFinite(layerNormEps)) {
            throw new CheckpointFormatException("config: layer_norm_eps " + layerNormEps + " must be a finite number > 0"
                    + " (it is added to a variance before its square root)");
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new CheckpointFormatException("config: hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (hiddenSize % numConvPosEmbeddingGroups != 0) {
            throw new CheckpointFormatException("config: hidden_size " + hiddenSize + " is not divisible by num_conv_pos_embedding_groups " + numConvPosEmbeddingGroups);
        }
        // Every tensor must fit one Java array; checked before anything is allocated for it.
        int h = hiddenSize;
        tensorFits("feature_projection.projection.weight", h, convDim[convDim.length - 1]);
        tensorFits("the attention projections (hidden_size^2)", h, h);
        tensorFits("the feed-forward weights (hidden_size x intermediate_size)", h, intermediateSize);
        tensorFits("the positional conv weight", h, h / numConvPosEmbeddingGroups, numConvPosEmbeddings);
        int in = 1;
        for (int i = 0; i < convDim.length; i++) {
            tensorFits("the weight of conv block " + i, convDim[i], in, convKernel[i]);
            in = convDim[i];
        }
        long stride = 1;
        long field = 1;
        for (int j = convKernel.length - 1; j >= 0; j--) {
            stride *= convStride[j];
            field = (field - 1) * convStride[j] + convKernel[j];
            // both stay below 2^24 * 2^31 < 2^63 before this check, so nothing overflows
            if (stride > MAX_RECEPTIVE_FIELD || field > MAX_RECEPTIVE_FIELD) {
                throw new CheckpointFormatException("config: the conv stack (conv_kernel " + Arrays.toString(convKernel) + ", conv_stride "
                        + Arrays.toString(convStride) + ") has a receptive field or total stride above the supported "
                        + MAX_RECEPTIVE_FIELD + " samples");
            }
        }
        convDim = convDim.clone();
        convKernel = convKernel.clone();
        convStride = convStride.clone();
    }

    private static void positive(String field, int value) {
        if (value < 1) throw new CheckpointFormatException("config: " + field + " is " + value + ", expected an integer >= 1");
    }

    private static void tensorFits(String what, int... dims) {
        long elements = 1;
        for (int d : dims) {
            elements *= d; // each factor is below 2^31 and the running product below 2^31 before it: no overflow
            if (elements > MAX_TENSOR_ELEMENTS) {
                throw new CheckpointFormatException("config: " + what + " would have " + Arrays.toString(dims).replace(", ", " x ")
                        + " elements, more than the " + MAX_TENSOR_ELEMENTS + " one tensor may hold");
            }
        }
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

    /** Largest {@code config.json} read, in bytes: a real one is a few KB. */
    static final long MAX_CONFIG_BYTES = 1 << 20;

    /** Reads {@code config.json}; unsupported architectures and computation-changing MERT options are refused by name. */
    public static EncoderConfig read(Path configJson) {
        return fromJson(readJson(configJson), configJson.toString());
    }

    /** The JSON object of a {@code config.json}, size-checked; errors name the file. */
    public static JsonObject readJson(Path configJson) {
        try {
            if (Files.size(configJson) > MAX_CONFIG_BYTES) {
                throw new CheckpointFormatException(configJson + ": " + Files.size(configJson) + " bytes, more than the "
                        + MAX_CONFIG_BYTES + " a config.json may have");
            }
            JsonElement root = JsonParser.parseString(Files.readString(configJson));
            if (!root.isJsonObject()) throw new CheckpointFormatException(configJson + ": expected a JSON object, got " + kind(root));
            return root.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configJson + ": " + e.getMessage(), e);
        } catch (com.google.gson.JsonParseException e) {
            throw new CheckpointFormatException(configJson + ": not a JSON object: " + e.getMessage(), e);
        }
    }

    /** Parses a config object; {@code source} names it in errors, which name the field and the expected type. */
    public static EncoderConfig fromJson(JsonObject o, String source) {
        String type = str(o, "model_type", source, "hubert");
        if (!KNOWN_TYPES.contains(type)) {
            throw new CheckpointFormatException(source + ": model_type '" + type + "' is not a HuBERT-family encoder (expected one of " + KNOWN_TYPES + ")");
        }
        refuseNonNeutral(o, source);
        for (String act : List.of("hidden_act", "feat_extract_activation")) {
            String v = str(o, act, source, "gelu");
            if (!v.equals("gelu")) {
                throw new CheckpointFormatException(source + ": " + act + " '" + v + "' is not supported (only 'gelu')");
            }
        }
        if (bool(o, "conv_pos_batch_norm", source, false)) {
            throw new CheckpointFormatException(source + ": conv_pos_batch_norm=true is not supported");
        }
        if (!bool(o, "feat_proj_layer_norm", source, true)) {
            throw new CheckpointFormatException(source + ": feat_proj_layer_norm=false is not supported");
        }
        double eps = o.has("layer_norm_eps") ? number(o, "layer_norm_eps", source) : 1e-5;
        if (!(eps > 0) || !Double.isFinite(eps)) {
            throw new CheckpointFormatException(source + ": field 'layer_norm_eps' is " + o.get("layer_norm_eps")
                    + ", expected a finite number > 0 (it is added to a variance before its square root)");
        }
        try {
            return new EncoderConfig(
                    ints(o, "conv_dim", source), ints(o, "conv_kernel", source), ints(o, "conv_stride", source),
                    bool(o, "conv_bias", source, false), str(o, "feat_extract_norm", source, "group"),
                    integer(o, "hidden_size", source), integer(o, "num_hidden_layers", source),
                    integer(o, "num_attention_heads", source), integer(o, "intermediate_size", source),
                    integer(o, "num_conv_pos_embeddings", source), integer(o, "num_conv_pos_embedding_groups", source),
                    eps, bool(o, "do_stable_layer_norm", source, false), type);
        } catch (CheckpointFormatException e) {
            // The record's own checks say "config: ..."; name the file instead.
            String m = e.getMessage();
            throw new CheckpointFormatException(m.startsWith("config: ") ? source + ": " + m.substring("config: ".length()) : m, e);
        }
    }

    /**
     * Whether transformers' {@code HubertModel} built from this config has a {@code masked_spec_embed} parameter: only when
     * {@code mask_time_prob} (default 0.05) or {@code mask_feature_prob} (default 0) is above 0.
     */
    public static boolean hasMaskedSpecEmbed(JsonObject o, String source) {
        double time = o.has("mask_time_prob") ? number(o, "mask_time_prob", source) : 0.05;
        double feature = o.has("mask_feature_prob") ? number(o, "mask_feature_prob", source) : 0.0;
        return time > 0 || feature > 0;
    }

    /** MERT options that would change the computation; neutral values (METHOD.md) are accepted. */
    private static void refuseNonNeutral(JsonObject o, String source) {
        if (bool(o, "feature_extractor_cqt", source, false)) {
            throw new CheckpointFormatException(source + ": MERT option feature_extractor_cqt=true changes the computation and is not implemented");
        }
        if (bool(o, "deepnorm", source, false)) {
            throw new CheckpointFormatException(source + ": MERT option deepnorm=true changes the computation and is not implemented");
        }
        // attention_relax > 0 is a rescaled softmax, equal in exact arithmetic: accepted.
        for (String opt : List.of("attention_relax")) {
            if (o.has(opt) && !o.get(opt).isJsonNull() && number(o, opt, source) == 0) {
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
            throw new CheckpointFormatException(source + ": field '" + key + "' is " + (e == null ? "missing" : kind(e))
                    + ", expected a list of integers");
        }
        JsonArray a = e.getAsJsonArray();
        if (a.size() > MAX_CONV_LAYERS) {
            throw new CheckpointFormatException(source + ": field '" + key + "' lists " + a.size() + " conv blocks, more than the supported "
                    + MAX_CONV_LAYERS);
        }
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = toInt(a.get(i), key + "[" + i + "]", source);
        return out;
    }

    private static int integer(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        if (e == null) throw new CheckpointFormatException(source + ": field '" + key + "' is missing, expected an integer");
        return toInt(e, key, source);
    }

    /** An integral JSON number within int's range; 4294967328 is refused, not wrapped to 32. */
    private static int toInt(JsonElement e, String field, String source) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            java.math.BigDecimal v;
            try {
                v = e.getAsBigDecimal();
            } catch (NumberFormatException ex) {
                v = null;
            }
            if (v != null) {
                try {
                    return v.intValueExact();
                } catch (ArithmeticException ex) {
                    throw new CheckpointFormatException(source + ": field '" + field + "' is " + e
                            + ", expected an integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
                }
            }
        }
        throw new CheckpointFormatException(source + ": field '" + field + "' is " + kind(e) + ", expected an integer");
    }

    private static double number(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            try {
                return e.getAsDouble();
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new CheckpointFormatException(source + ": field '" + key + "' is " + (e == null ? "missing" : kind(e)) + ", expected a number");
    }

    private static boolean bool(JsonObject o, String key, String source, boolean dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) return dflt;
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) return e.getAsBoolean();
        throw new CheckpointFormatException(source + ": field '" + key + "' is " + kind(e) + ", expected true or false");
    }

    private static String str(JsonObject o, String key, String source, String dflt) {
        JsonElement e = o.get(key);
        if (e == null) return dflt;
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) return e.getAsString();
        throw new CheckpointFormatException(source + ": field '" + key + "' is " + kind(e) + ", expected a string"
                + (dflt != null ? " such as '" + dflt + "'" : ""));
    }

    /** A short description of a JSON value for error messages. */
    private static String kind(JsonElement e) {
        if (e.isJsonNull()) return "null";
        if (e.isJsonObject()) return "an object " + abbreviate(e.toString());
        if (e.isJsonArray()) return "a list " + abbreviate(e.toString());
        var p = e.getAsJsonPrimitive();
        if (p.isString()) return "the string " + abbreviate(p.toString());
        if (p.isBoolean()) return "the boolean " + p;
        return "the number " + abbreviate(p.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
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
