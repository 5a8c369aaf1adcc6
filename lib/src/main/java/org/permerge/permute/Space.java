package org.permerge.permute;

/**
 * One permutation space of an encoder: a set of hidden units that may be reordered together.
 *
 * @param name          e.g. {@code cnn.3}, {@code ffn.7}, {@code attn.7}, {@code qk.7}, {@code residual}
 * @param size          number of units
 * @param blockSize     1 for an unstructured space; the head width for {@code attn.L}/{@code qk.L}; the
 *                      positional-conv group width for {@code residual} (admissible permutations map whole
 *                      blocks onto blocks)
 * @param withinBlocks  true when the space only permutes units inside each block, its block order being taken
 *                      from {@link #blockOrderFrom()} ({@code qk.L}, whose head order is {@code attn.L}'s)
 * @param blockOrderFrom the space whose block order this one follows, or null
 */
public record Space(String name, int size, int blockSize, boolean withinBlocks, String blockOrderFrom) {
    public Space {
        if (size <= 0 || blockSize <= 0 || size % blockSize != 0) {
            throw new IllegalArgumentException("space " + name + ": size " + size + " is not a positive multiple of block size " + blockSize);
        }
        if (withinBlocks != (blockOrderFrom != null)) {
            throw new IllegalArgumentException("space " + name + ": a within-block space needs the space it takes its block order from");
        }
    }

    /** An unstructured space: any permutation of its units is admissible. */
    public static Space plain(String name, int size) {
        return new Space(name, size, 1, false, null);
    }

    /** Number of blocks (heads, groups); equals {@link #size()} for an unstructured space. */
    public int blocks() {
        return size / blockSize;
    }

    /** The family of the space: the part of the name before the layer index ({@code cnn}, {@code ffn}, ...). */
    public String family() {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }
}
