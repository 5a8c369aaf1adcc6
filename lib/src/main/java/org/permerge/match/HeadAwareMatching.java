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

        /** {@code blockScores} as a matrix: row i a block of A, column j a block of B; null when the order was given. */
        public double[][] blockScoreMatrix() {
            if (blockScores == null) return null;
            double[][] m = new double[blocks][blocks];
            for (int i = 0; i < blocks; i++) {
                System.arraycopy(blockScores, i * blocks, m[i], 0, blocks);
            }
            return m;
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

    /** {@link #matchHeads}, leaving dead units (and heads all of whose units are dead) in place ({@link LiveUnitMatching}). */
    public static BlockMatching matchHeads(double[] correlation, int heads, int headDim, boolean[] deadA, boolean[] deadB) {
        return matchBlocks(correlation, heads, headDim, "attention heads", deadA, deadB);
    }

    /**
     * Group-aware matching of the residual stream: groups of the grouped positional convolution must map
     * onto groups, so the same two-level scheme runs with groups in place of heads.
     */
    public static BlockMatching matchGroups(double[] correlation, int groups, int groupSize) {
        return matchBlocks(correlation, groups, groupSize, "groups");
    }

    /** {@link #matchGroups}, leaving dead units (and groups all of whose units are dead) in place. */
    public static BlockMatching matchGroups(double[] correlation, int groups, int groupSize, boolean[] deadA, boolean[] deadB) {
        return matchBlocks(correlation, groups, groupSize, "groups", deadA, deadB);
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
        return matchQueryKey(correlationQ, correlationK, headPerm, heads, headDim, null, null);
    }

    /** {@link #matchQueryKey}, leaving dead units (dead in both query and key) in place within their heads. */
    public static BlockMatching matchQueryKey(double[] correlationQ, double[] correlationK, int[] headPerm,
                                              int heads, int headDim, boolean[] deadA, boolean[] deadB) {
        int d = checkSquare(correlationQ, heads, headDim, "query correlation");
        checkSquare(correlationK, heads, headDim, "key correlation");
        checkPermutation(headPerm, heads);
        double[] sum = new double[correlationQ.length];
        for (int k = 0; k < sum.length; k++) sum[k] = correlationQ[k] + correlationK[k];
        int[][] within = new int[heads][];
        double[] totals = new double[heads];
        IntStream.range(0, heads).parallel().forEach(j -> {
            double[] blk = block(sum, d, headDim, j, headPerm[j]);
            within[j] = withinBlock(blk, headDim, deadA, deadB, j, headPerm[j]);
            totals[j] = total(blk, within[j]);
        });
        double total = 0;
        for (double t : totals) total += t;
        return new BlockMatching(heads, headDim, headPerm.clone(), within, compose(headPerm, within, headDim),
                null, total);
    }

    /** The general two-level matching over {@code blocks} blocks of {@code blockSize} units. */
    public static BlockMatching matchBlocks(double[] correlation, int blocks, int blockSize, String what) {
        return matchBlocks(correlation, blocks, blockSize, what, null, null);
    }

    /**
     * The two-level matching with dead units kept in place: within blocks by {@link LiveUnitMatching}, and a
     * block all of whose units are dead counts as a dead unit of the block order.
     */
    public static BlockMatching matchBlocks(double[] correlation, int blocks, int blockSize, String what, boolean[] deadA,
                                            boolean[] deadB) {
        int d = checkSquare(correlation, blocks, blockSize, what);
        double[] scores = new double[blocks * blocks];
        int[][] withinAll = new int[blocks * blocks][];
        // blocks² independent small assignments: spread them over the cores.
        IntStream.range(0, blocks * blocks).parallel().forEach(p -> {
            int j = p / blocks;
            int k = p % blocks;
            double[] blk = block(correlation, d, blockSize, j, k);
            if (deadA == null && deadB == null) {
                LinearAssignment.Assignment a = LinearAssignment.solve(blk, blockSize, blockSize, true);
                scores[p] = a.total();
                withinAll[p] = a.rowToCol();
            } else {
                withinAll[p] = withinBlock(blk, blockSize, deadA, deadB, j, k);
                scores[p] = total(blk, withinAll[p]);
            }
        });
        int[] blockPerm;
        double orderTotal;
        if (deadA == null && deadB == null) {
            LinearAssignment.Assignment order = LinearAssignment.solve(scores, blocks, blocks, true);
            blockPerm = order.rowToCol();
            orderTotal = order.total();
        } else {
            blockPerm = LiveUnitMatching.solve(scores, blocks, deadBlocks(deadA, blocks, blockSize),
                    deadBlocks(deadB, blocks, blockSize));
            orderTotal = total(scores, blockPerm);
        }
        int[][] within = new int[blocks][];
        for (int j = 0; j < blocks; j++) within[j] = withinAll[j * blocks + blockPerm[j]];
        return new BlockMatching(blocks, blockSize, blockPerm, within, compose(blockPerm, within, blockSize),
                scores, orderTotal);
    }

    /** The within-block matching of A block j with B block k, dead units kept in place. */
    private static int[] withinBlock(double[] blk, int blockSize, boolean[] deadA, boolean[] deadB, int j, int k) {
        if (deadA == null && deadB == null) return LinearAssignment.solve(blk, blockSize, blockSize, true).rowToCol();
        return LiveUnitMatching.solve(blk, blockSize, slice(deadA, j, blockSize), slice(deadB, k, blockSize));
    }

    private static boolean[] slice(boolean[] mask, int block, int blockSize) {
        return mask == null ? null : Arrays.copyOfRange(mask, block * blockSize, (block + 1) * blockSize);
    }

    /** Blocks all of whose units are dead. */
    private static boolean[] deadBlocks(boolean[] mask, int blocks, int blockSize) {
        boolean[] out = new boolean[blocks];
        if (mask == null) return out;
        for (int j = 0; j < blocks; j++) {
            out[j] = true;
            for (int r = 0; r < blockSize; r++) out[j] &= mask[j * blockSize + r];
        }
        return out;
    }

    /** Sum of m[i, perm[i]] over a square row-major matrix. */
    private static double total(double[] m, int[] perm) {
        int n = perm.length;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += m[i * n + perm[i]];
        return sum;
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
