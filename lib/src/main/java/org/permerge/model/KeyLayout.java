package org.permerge.model;

import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensor-naming conventions HuBERT-family checkpoints come in, and the mapping from each to
 * transformers' current names ({@link ParameterLayout}).
 */
public enum KeyLayout {
    /** transformers 5.x: the positional conv's weight norm as {@code parametrizations.weight.original0/1}. */
    CURRENT,
    /** The published facebook/hubert-* and m-a-p/MERT-* files: {@code weight_g}/{@code weight_v}. */
    LEGACY_WEIGHT_NORM;

    /** Legacy name of the positional conv's weight-norm magnitude. */
    public static final String LEGACY_POS_CONV_G = "encoder.pos_conv_embed.conv.weight_g";
    /** Legacy name of the positional conv's weight-norm direction. */
    public static final String LEGACY_POS_CONV_V = "encoder.pos_conv_embed.conv.weight_v";

    private static final Map<String, String> LEGACY_TO_CURRENT = Map.of(
            LEGACY_POS_CONV_G, ParameterLayout.POS_CONV_G,
            LEGACY_POS_CONV_V, ParameterLayout.POS_CONV_V);

    /** Which layout a set of names uses; a mixture of both for the same tensor is an error naming it. */
    public static KeyLayout detect(Iterable<String> names, String source) {
        boolean legacy = false;
        boolean current = false;
        for (String n : names) {
            if (LEGACY_TO_CURRENT.containsKey(n)) legacy = true;
            if (LEGACY_TO_CURRENT.containsValue(n)) current = true;
        }
        if (legacy && current) {
            throw new CheckpointFormatException(source + ": holds both legacy (" + LEGACY_POS_CONV_G + "/weight_v) and current ("
                    + ParameterLayout.POS_CONV_G + "/original1) positional-conv weights; expected exactly one pair");
        }
        return legacy ? LEGACY_WEIGHT_NORM : CURRENT;
    }

    /** The current name of a tensor stored under {@code name} in this layout. */
    public String toCurrent(String name) {
        return this == LEGACY_WEIGHT_NORM ? LEGACY_TO_CURRENT.getOrDefault(name, name) : name;
    }

    /** Renames every tensor to current names, keeping order and metadata. */
    public StateDict toCurrent(StateDict raw) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : raw.tensors().entrySet()) out.put(toCurrent(e.getKey()), e.getValue());
        StateDict sd = new StateDict(out);
        sd.metadata().putAll(raw.metadata());
        return sd;
    }

    /** A human description for summaries. */
    public String description() {
        return this == CURRENT ? "current transformers names (parametrizations.weight.original0/1)"
                : "legacy names (pos_conv_embed.conv.weight_g/weight_v)";
    }
}
