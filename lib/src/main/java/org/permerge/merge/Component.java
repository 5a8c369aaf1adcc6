package org.permerge.merge;

import org.permerge.model.TensorRole;

import java.util.Locale;

/** A group of parameters that can get its own interpolation weight λ; which tensor is in which is read from {@link TensorRole}. */
public enum Component {
    /** Conv weights and biases of the feature extractor. */
    CNN,
    /** Every LayerNorm / GroupNorm affine (CNN blocks, feature projection, encoder, transformer layers). */
    NORMS,
    /** The 512→768 feature projection (weight and bias). */
    PROJECTION,
    /** The grouped positional convolution (g, v and bias). */
    POS_CONV,
    /** Q, K, V and output projections of every attention block. */
    ATTENTION,
    /** The two dense layers of every feed-forward block. */
    FFN,
    /** The learned mask embedding {@code masked_spec_embed} (used only in pretraining). */
    EMBEDDING;

    /** The lower-case name used in λ specifications ({@code cnn}, {@code pos_conv}, ...). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The component a tensor of the HuBERT-family layout belongs to; an unknown name is an error naming it. */
    public static Component of(String tensor) {
        TensorRole.Classified t;
        try {
            t = TensorRole.classify(tensor);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + tensor + "' belongs to no interpolation component", e);
        }
        return parse(t.role().component());
    }

    /** Parses a key as written in λ specifications. */
    public static Component parse(String key) {
        for (Component c : values()) if (c.key().equals(key.trim().toLowerCase(Locale.ROOT))) return c;
        throw new IllegalArgumentException("unknown component '" + key + "' in λ; expected one of "
                + java.util.Arrays.stream(values()).map(Component::key).toList() + " or 'default'");
    }
}
