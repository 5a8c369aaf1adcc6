package org.permerge.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one table that classifies every tensor of a HuBERT-family encoder (both layouts): for each kind of tensor,
 * its names, which permutation space acts on each axis, which interpolation component (λ) it belongs to, its
 * parameter group in the architecture summaries, and whether it produces units that REPAIR can rescale. The
 * permutation spec, the λ components, the summaries and the REPAIR sites are all read from here.
 *
 * <p>Axis rules name space families relative to the tensor's index {@code i} (conv block or transformer layer):
 * {@code cnn} = {@code cnn.i}, {@code cnn-1} = {@code cnn.(i−1)} (invariant for block 0, whose input is the
 * waveform), {@code cnn-last} = the last conv block's space, {@code residual}, {@code residual/0} = the residual
 * space within the blocks given by axis 0 (the grouped positional conv), {@code attn}, {@code qk}, {@code ffn} =
 * that family's space of layer {@code i}, and {@code -} = invariant.
 */
public enum TensorRole {
    /** The learned mask embedding (pretraining only). */
    MASK_EMBEDDING("embedding", Group.OTHER, List.of("residual"), null, "masked_spec_embed"),
    /** A conv block's kernel. */
    CONV_WEIGHT("cnn", Group.CNN, List.of("cnn", "cnn-1", "-"), null, "feature_extractor.conv_layers.{}.conv.weight"),
    /** A conv block's bias (conv_bias layouts). */
    CONV_BIAS("cnn", Group.CNN, List.of("cnn"), null, "feature_extractor.conv_layers.{}.conv.bias"),
    /** A conv block's GroupNorm (block 0 of the base layout) or LayerNorm affine. */
    CONV_NORM("norms", Group.CNN, List.of("cnn"), null,
            "feature_extractor.conv_layers.{}.layer_norm.weight", "feature_extractor.conv_layers.{}.layer_norm.bias"),
    /** The LayerNorm before the feature projection, over the last conv block's channels. */
    PROJECTION_NORM("norms", Group.NORMS, List.of("cnn-last"), null,
            "feature_projection.layer_norm.weight", "feature_projection.layer_norm.bias"),
    /** The CNN → residual projection. */
    PROJECTION_WEIGHT("projection", Group.PROJECTION, List.of("residual", "cnn-last"), null, "feature_projection.projection.weight"),
    /** Its bias. */
    PROJECTION_BIAS("projection", Group.PROJECTION, List.of("residual"), null, "feature_projection.projection.bias"),
    /** The positional conv's bias. */
    POS_CONV_BIAS("pos_conv", Group.POS_CONV, List.of("residual"), null, "encoder.pos_conv_embed.conv.bias"),
    /** The positional conv's weight-norm magnitude g: a norm over (out, in) per tap, invariant under both permutations. */
    POS_CONV_G("pos_conv", Group.POS_CONV, List.of("-", "-", "-"), null, ParameterLayout.POS_CONV_G),
    /** The positional conv's weight-norm direction v: grouped, so its input axis is permuted within each group. */
    POS_CONV_V("pos_conv", Group.POS_CONV, List.of("residual", "residual/0", "-"), null, ParameterLayout.POS_CONV_V),
    /** The encoder's LayerNorm after the positional conv. */
    ENCODER_NORM("norms", Group.NORMS, List.of("residual"), null, "encoder.layer_norm.weight", "encoder.layer_norm.bias"),
    /** Query and key projections. */
    QK_WEIGHT("attention", Group.ATTENTION, List.of("qk", "residual"), null,
            "encoder.layers.{}.attention.q_proj.weight", "encoder.layers.{}.attention.k_proj.weight"),
    /** Their biases. */
    QK_BIAS("attention", Group.ATTENTION, List.of("qk"), null,
            "encoder.layers.{}.attention.q_proj.bias", "encoder.layers.{}.attention.k_proj.bias"),
    /** The FFN's first dense layer: its rows are the {@code ffn.i} units, a REPAIR site (measured before GELU). */
    FFN_IN_WEIGHT("ffn", Group.FFN, List.of("ffn", "residual"),
            new RepairSite("encoder.layers.{}.feed_forward.intermediate_dense.bias", "encoder.layers.{}.feed_forward.intermediate_dense"),
            "encoder.layers.{}.feed_forward.intermediate_dense.weight"),
    /** Its bias. */
    FFN_IN_BIAS("ffn", Group.FFN, List.of("ffn"), null, "encoder.layers.{}.feed_forward.intermediate_dense.bias"),
    /** The FFN's second dense layer. */
    FFN_OUT_WEIGHT("ffn", Group.FFN, List.of("residual", "ffn"), null, "encoder.layers.{}.feed_forward.output_dense.weight"),
    /** Its bias, added to the residual stream. */
    FFN_OUT_BIAS("ffn", Group.FFN, List.of("residual"), null, "encoder.layers.{}.feed_forward.output_dense.bias"),
    /**
     * The value projection: its rows are the {@code attn.i} units, a REPAIR site (measured at the out_proj input,
     * an affine image of the values since attention weights sum to one).
     */
    V_WEIGHT("attention", Group.ATTENTION, List.of("attn", "residual"),
            new RepairSite("encoder.layers.{}.attention.v_proj.bias", "encoder.layers.{}.attention.out_proj.input"),
            "encoder.layers.{}.attention.v_proj.weight"),
    /** Its bias. */
    V_BIAS("attention", Group.ATTENTION, List.of("attn"), null, "encoder.layers.{}.attention.v_proj.bias"),
    /** The attention output projection. */
    OUT_WEIGHT("attention", Group.ATTENTION, List.of("residual", "attn"), null, "encoder.layers.{}.attention.out_proj.weight"),
    /** Its bias, added to the residual stream. */
    OUT_BIAS("attention", Group.ATTENTION, List.of("residual"), null, "encoder.layers.{}.attention.out_proj.bias"),
    /** A transformer layer's two LayerNorms over the residual stream. */
    LAYER_NORM("norms", Group.NORMS, List.of("residual"), null,
            "encoder.layers.{}.layer_norm.weight", "encoder.layers.{}.layer_norm.bias",
            "encoder.layers.{}.final_layer_norm.weight", "encoder.layers.{}.final_layer_norm.bias");

    /** The parameter groups of the architecture summaries, in forward order. */
    public enum Group {
        CNN("feature extractor (CNN)"), PROJECTION("feature projection"), POS_CONV("positional conv"), ATTENTION("attention"),
        FFN("feed-forward"), NORMS("layer norms"), OTHER("other");

        private final String label;

        Group(String label) {
            this.label = label;
        }

        /** The row label in the summaries. */
        public String label() {
            return label;
        }
    }

    /**
     * Where a producer weight's units are rescaled by REPAIR: the bias the shift is folded into and the tap the
     * units' statistics are measured at ({@code {}} = the layer).
     */
    public record RepairSite(String biasTemplate, String tapTemplate) {}

    /** A tensor name with its role and the index in it (conv block or transformer layer; −1 where there is none). */
    public record Classified(String tensor, TensorRole role, int index) {
        /** The space one axis rule names for this tensor (null = invariant); see {@link TensorRole}. */
        public String space(int axis, EncoderConfig c) {
            return role.axes.get(axis).equals("-") ? null : axisSpace(role.axes.get(axis), c);
        }

        private String axisSpace(String rule, EncoderConfig c) {
            return switch (rule) {
                case "cnn" -> "cnn." + index;
                case "cnn-1" -> index == 0 ? null : "cnn." + (index - 1);
                case "cnn-last" -> "cnn." + (c.numConvLayers() - 1);
                case "residual", "residual/0" -> "residual";
                case "attn", "qk", "ffn" -> rule + "." + index;
                default -> throw new IllegalStateException("unknown axis rule " + rule + " of " + role);
            };
        }

        /** Whether an axis is permuted within the blocks of another axis (the grouped positional conv's input). */
        public boolean withinBlocks(int axis) {
            return role.axes.get(axis).endsWith("/0");
        }

        /** The REPAIR site's bias tensor (null where the role is not a REPAIR site). */
        public String repairBias() {
            return role.repair == null ? null : role.repair.biasTemplate().replace("{}", Integer.toString(index));
        }

        /** The tap REPAIR measures the site's units at (null where the role is not a REPAIR site). */
        public String repairTap() {
            return role.repair == null ? null : role.repair.tapTemplate().replace("{}", Integer.toString(index));
        }

        /** The space whose units a REPAIR site rescales: the space of its output axis. */
        public String repairSpace(EncoderConfig c) {
            return role.repair == null ? null : space(0, c);
        }
    }

    private final String component;
    private final Group group;
    private final List<String> axes;
    private final RepairSite repair;
    private final List<Pattern> names;

    TensorRole(String component, Group group, List<String> axes, RepairSite repair, String... templates) {
        this.component = component;
        this.group = group;
        this.axes = axes;
        this.repair = repair;
        List<Pattern> p = new ArrayList<>();
        for (String t : templates) p.add(Pattern.compile(Pattern.quote(t).replace("{}", "\\E(\\d+)\\Q")));
        this.names = p;
    }

    /** The interpolation component's key ({@code cnn}, {@code norms}, {@code projection}, {@code pos_conv}, ...). */
    public String component() {
        return component;
    }

    /** The parameter group in the architecture summaries. */
    public Group group() {
        return group;
    }

    /** The axis rules (see the class comment), one per axis. */
    public List<String> axes() {
        return axes;
    }

    /** Whether this tensor produces units that REPAIR rescales (an FFN intermediate or the attention values). */
    public boolean isRepairSite() {
        return repair != null;
    }

    /** The role of a tensor; a name outside the HuBERT-family layout is an error naming it. */
    public static Classified classify(String tensor) {
        for (TensorRole r : values()) {
            for (Pattern p : r.names) {
                Matcher m = p.matcher(tensor);
                if (m.matches()) return new Classified(tensor, r, m.groupCount() == 0 ? -1 : Integer.parseInt(m.group(1)));
            }
        }
        throw new IllegalArgumentException("tensor '" + tensor + "' is not part of the HuBERT-family parameter layout");
    }
}
