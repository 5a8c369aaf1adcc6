package org.permerge.match;

import org.permerge.model.EncoderConfig;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Space;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The paper's merge configurations (METHOD.md, "Configurations compared"): which permutation spaces are
 * matched and applied before interpolating. {@code ff} means the {@code ffn.*} spaces, {@code attn} the
 * {@code attn.*} spaces; {@code cnn+all} adds {@code qk.*} and the residual stream.
 */
public enum MergeRecipe {
    /** No permutation: plain linear interpolation (the paper's baseline). */
    IDENTITY("identity"),
    /** CNN feature encoder only. */
    CNN("cnn", "cnn"),
    /** CNN and every FFN space. */
    CNN_FF("cnn+ff", "cnn", "ffn"),
    /** FFN and attention value/output spaces, no CNN. */
    FF_ATTN("ff+attn", "ffn", "attn"),
    /** The paper's main setting: CNN, FFN and attention. */
    CNN_FF_ATTN("cnn+ff+attn", "cnn", "ffn", "attn"),
    /** Everything, including Q/K and the residual stream. */
    CNN_ALL("cnn+all", "cnn", "ffn", "attn", "qk", "residual");

    private final String label;
    private final Set<String> families;

    MergeRecipe(String label, String... families) {
        this.label = label;
        this.families = Set.of(families);
    }

    /** The authors' name of the configuration. */
    public String label() {
        return label;
    }

    /** The space families it permutes ({@code cnn}, {@code ffn}, {@code attn}, {@code qk}, {@code residual}). */
    public Set<String> families() {
        return families;
    }

    /** The spaces of an encoder that this recipe permutes, in spec order. */
    public List<String> spaces(EncoderConfig config) {
        List<String> out = new ArrayList<>();
        for (Space s : PermutationSpec.hubert(config).spaces().values()) if (families.contains(s.family())) out.add(s.name());
        return out;
    }

    /** The recipe with that name ({@code identity}, {@code cnn}, {@code cnn+ff}, {@code ff+attn}, {@code cnn+ff+attn}, {@code cnn+all}). */
    public static MergeRecipe parse(String name) {
        for (MergeRecipe r : values()) if (r.label.equals(name.trim())) return r;
        List<String> names = new ArrayList<>();
        for (MergeRecipe r : values()) names.add(r.label);
        throw new IllegalArgumentException("unknown merge recipe '" + name + "'; expected one of " + names);
    }

    @Override
    public String toString() {
        return label;
    }
}
