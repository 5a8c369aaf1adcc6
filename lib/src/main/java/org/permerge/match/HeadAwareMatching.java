package org.permerge.match;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Two-level matching for spaces made of blocks that may only move whole (Verma &amp; Elbayad 2024):
 * attention heads in {@code attn.L} and {@code qk.L}, and the groups of the grouped positional
 * convolution in {@code residual}. For every pair (block j of A, block k of B) the best within-block
 * assignment is solved on that sub-block of the correlation matrix; those optima form a block-to-block
 * score matrix; one more assignment over it picks the block order, and the within-block permutations of
 * the chosen pairs complete the permutation. The result is the optimum over all block-structured
 * permutations, since the total of such a permutation is the sum of its blocks' within-block totals.
 *
 * <p>Permutations follow the project convention: {@code perm[i]} is the unit of B matched to unit i of A.
 */
public final class HeadAwareMatching {
    private HeadAwareMatching() {}

    /**
     * A block-structured permutation.
     *
     * @param blocks      number of blocks (heads or groups)
     * @param blockSize   units per block (head dimension or group size)
     * @param blockPerm   for each block j of A, the block of B matched to it
     * @param withinPerms for each block j of A, {@code withinPerms[j][r]} is the unit (within B block
     *                    {@code blockPerm[j]}) matched to unit r of A block j
     * @param perm        the composed permutation of all blocks × blockSize units
     * @param blockScores row-major blocks×blocks matrix of within-block optima (summed correlation);
     *                    null when the block order was given rather than chosen
     * @param total       summed correlation of the matched pairs
     */
    public record BlockMatching(int blocks, int blockSize, int[] blockPerm, int[][] withinPerms, int[] perm,
                                double[] blockScores, double total) {
        /** Mean correlation over the matched pairs. */
        public double meanMatchedCorrelation() {
            return total / perm.length;
        }
    }

    /**
     * Head-aware matching of an attention value/output space ({@code attn.L}) from its correlation.
     *
     * @param correlation row-major D×D correlation (A units × B units), D = heads × headDim
     */
    public static BlockMatching matchHeads(double[] correlation, int heads, int headDim) {
        return matchBlocks(correlation, heads, headDim, "attention heads");
    }

    /**
     * Group-aware matching of the residual stream: groups of the grouped positional convolution must map
     * onto groups, so the same two-level scheme runs with groups in place of heads.
     */
    public static BlockMatching matchGroups(double[] correlation, int groups, int groupSize) {
        return matchBlocks(correlation, groups, groupSize, "groups");
    }

    /**
     * Query/key matching ({@code qk.L}): the head order is the one chosen for {@code attn.L} (otherwise
     * attention changes); for each chosen head pair the within-head permutation shared by Q and K is solved
     * on the sum of its Q and K correlation blocks.
     *
     * @param headPerm the value/output space's head order, {@link BlockMatching#blockPerm()} of {@code attn.L}
     */
    public static BlockMatching matchQueryKey(double[] correlationQ, double[] correlationK, int[] headPerm,
                                              int heads, int headDim) {
        int d = checkSquare(correlationQ, heads, headDim, "query correlation");
        checkSquare(correlationK, heads, headDim, "key correlation");
        checkPermutation(headPerm, heads);
        double[] sum = new double[correlationQ.length];
        for (int k = 0; k < sum.length; k++) sum[k] = correlationQ[k] + correlationK[k];
        int[][] within = new int[heads][];
        double[] totals = new double[heads];
        IntStream.range(0, heads).parallel().forEach(j -> {
            LinearAssignment.Assignment a = LinearAssignment.solve(block(sum, d, headDim, j, headPerm[j]),
                    headDim, headDim, true);
            within[j] = a.rowToCol();
            totals[j] = a.total();
        });
        double total = 0;
        for (double t : totals) total += t;
        return new BlockMatching(heads, headDim, headPerm.clone(), within, compose(headPerm, within, headDim),
                null, total);
    }

    /** The general two-level matching over {@code blocks} blocks of {@code blockSize} units. */
    public static BlockMatching matchBlocks(double[] correlation, int blocks, int blockSize, String what) {
        int d = checkSquare(correlation, blocks, blockSize, what);
        double[] scores = new double[blocks * blocks];
        int[][] withinAll = new int[blocks * blocks][];
        // blocks² independent small assignments: spread them over the cores.
        IntStream.range(0, blocks * blocks).parallel().forEach(p -> {
            int j = p / blocks;
            int k = p % blocks;
            LinearAssignment.Assignment a = LinearAssignment.solve(block(correlation, d, blockSize, j, k),
                    blockSize, blockSize, true);
            scores[p] = a.total();
            withinAll[p] = a.rowToCol();
        });
        LinearAssignment.Assignment order = LinearAssignment.solve(scores, blocks, blocks, true);
        int[] blockPerm = order.rowToCol();
        int[][] within = new int[blocks][];
        for (int j = 0; j < blocks; j++) within[j] = withinAll[j * blocks + blockPerm[j]];
        return new BlockMatching(blocks, blockSize, blockPerm, within, compose(blockPerm, within, blockSize),
                scores, order.total());
    }

    /** The full permutation from a block order and within-block permutations. */
    public static int[] compose(int[] blockPerm, int[][] within, int blockSize) {
        int blocks = blockPerm.length;
        int[] perm = new int[blocks * blockSize];
        for (int j = 0; j < blocks; j++) {
            if (within[j].length != blockSize) {
                throw new IllegalArgumentException("within-block permutation " + j + " has " + within[j].length
                        + " entries, expected " + blockSize);
            }
            for (int r = 0; r < blockSize; r++) perm[j * blockSize + r] = blockPerm[j] * blockSize + within[j][r];
        }
        return perm;
    }

    /** The blockSize×blockSize sub-block (A block j, B block k) of a row-major d×d matrix. */
    private static double[] block(double[] m, int d, int blockSize, int j, int k) {
        double[] out = new double[blockSize * blockSize];
        for (int r = 0; r < blockSize; r++) {
            System.arraycopy(m, (j * blockSize + r) * d + k * blockSize, out, r * blockSize, blockSize);
        }
        return out;
    }

    private static int checkSquare(double[] m, int blocks, int blockSize, String what) {
        if (blocks <= 0 || blockSize <= 0) {
            throw new IllegalArgumentException(what + ": block count and size must be positive, got " + blocks
                    + " × " + blockSize);
        }
        int d = blocks * blockSize;
        if (m.length != (long) d * d) {
            throw new IllegalArgumentException(what + ": correlation holds " + m.length + " values, expected "
                    + d + "×" + d + " (" + blocks + " blocks of " + blockSize + ")");
        }
        return d;
    }

    private static void checkPermutation(int[] perm, int n) {
        if (perm.length != n) {
            throw new IllegalArgumentException("head order has " + perm.length + " entries, expected " + n);
        }
        boolean[] seen = new boolean[n];
        for (int p : perm) {
            if (p < 0 || p >= n || seen[p]) {
                throw new IllegalArgumentException("head order " + Arrays.toString(perm) + " is not a permutation of 0.."
                        + (n - 1));
            }
            seen[p] = true;
        }
    }
}
