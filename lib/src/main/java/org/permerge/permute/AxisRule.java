package org.permerge.permute;

/**
 * What happens to one axis of one tensor when permutations are applied: nothing, a gather by a space's
 * permutation, or a gather by the within-block part of a space's permutation chosen per block of another
 * axis (the grouped positional conv's input-channel axis).
 */
public sealed interface AxisRule {
    /** The space that acts on this axis, or null when the axis is invariant. */
    String space();

    /** The axis does not index any permuted space. */
    record Invariant() implements AxisRule {
        @Override
        public String space() {
            return null;
        }

        @Override
        public String toString() {
            return "-";
        }
    }

    /** The axis indexes the units of {@code space}: gather along it by that space's (effective) permutation. */
    record Permuted(String space) implements AxisRule {
        @Override
        public String toString() {
            return space;
        }
    }

    /**
     * The axis indexes the units of one block of {@code space}, and which block depends on the index along
     * {@code blockAxis}: the slice at output index o of {@code blockAxis} belongs to block o / (that axis's
     * size / blocks of the space), and this axis is gathered by the within-block part of the space's
     * permutation for that block. Grouped convolution weights have this structure: [out, in/groups, k].
     */
    record PermutedWithinBlocks(String space, int blockAxis) implements AxisRule {
        @Override
        public String toString() {
            return space + " (within the block of axis " + blockAxis + ")";
        }
    }

    /** The shared invariant rule. */
    AxisRule INVARIANT = new Invariant();
}
