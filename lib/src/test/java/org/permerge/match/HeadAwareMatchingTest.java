package org.permerge.match;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class HeadAwareMatchingTest {

    private static double[] randomCorrelation(Random rnd, int d) {
        double[] c = new double[d * d];
        for (int k = 0; k < c.length; k++) c[k] = Math.tanh(rnd.nextGaussian());
        return c;
    }

    private static double totalOf(double[] c, int d, int[] perm) {
        double t = 0;
        for (int i = 0; i < d; i++) t += c[i * d + perm[i]];
        return t;
    }

    /** Every block-structured permutation: block order × within-block permutations. */
    private static List<int[]> blockPermutations(int blocks, int size) {
        List<int[]> orders = permutations(blocks);
        List<int[]> withins = permutations(size);
        List<int[]> out = new ArrayList<>();
        int combos = (int) Math.pow(withins.size(), blocks);
        for (int[] order : orders) {
            for (int c = 0; c < combos; c++) {
                int[][] within = new int[blocks][];
                int code = c;
                for (int j = 0; j < blocks; j++) {
                    within[j] = withins.get(code % withins.size());
                    code /= withins.size();
                }
                out.add(HeadAwareMatching.compose(order, within, size));
            }
        }
        return out;
    }

    private static List<int[]> permutations(int n) {
        List<int[]> out = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permute(int[] cur, boolean[] used, int i, List<int[]> out) {
        if (i == cur.length) {
            out.add(cur.clone());
            return;
        }
        for (int k = 0; k < cur.length; k++) {
            if (!used[k]) {
                used[k] = true;
                cur[i] = k;
                permute(cur, used, i + 1, out);
                used[k] = false;
            }
        }
    }

    @Test
    void bruteForceOverBlockPermutationsAgrees() {
        Random rnd = new Random(11);
        for (int[] shape : new int[][] {{3, 2}, {2, 3}, {3, 3}, {4, 2}}) {
            int blocks = shape[0];
            int size = shape[1];
            int d = blocks * size;
            List<int[]> all = blockPermutations(blocks, size);
            for (int trial = 0; trial < 20; trial++) {
                double[] c = randomCorrelation(rnd, d);
                if (trial % 4 == 0) {
                    for (int k = 0; k < c.length; k++) c[k] = Math.round(c[k] * 2) / 2.0;  // ties
                }
                double best = Double.NEGATIVE_INFINITY;
                for (int[] p : all) best = Math.max(best, totalOf(c, d, p));
                HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchHeads(c, blocks, size);
                assertEquals(best, m.total(), 1e-12, blocks + "x" + size + " trial " + trial);
                assertEquals(m.total(), totalOf(c, d, m.perm()), 1e-12);
                assertIsBlockPermutation(m);
                // the score matrix a notebook draws: row i block of A, column j block of B, and the chosen order sums
                // the blocks' optima to the total
                double[][] scores = m.blockScoreMatrix();
                double chosen = 0;
                for (int i = 0; i < blocks; i++) {
                    assertEquals(blocks, scores[i].length);
                    for (int j = 0; j < blocks; j++) assertEquals(m.blockScores()[i * blocks + j], scores[i][j]);
                    chosen += scores[i][m.blockPerm()[i]];
                }
                assertEquals(m.total(), chosen, 1e-9);
            }
        }
    }

    @Test
    void queryKeyWithinHeadPermutationsMaximiseTheSummedBlocksForTheGivenHeadOrder() {
        Random rnd = new Random(12);
        int heads = 3;
        int size = 3;
        int d = heads * size;
        List<int[]> all = blockPermutations(heads, size);
        for (int trial = 0; trial < 20; trial++) {
            double[] q = randomCorrelation(rnd, d);
            double[] k = randomCorrelation(rnd, d);
            double[] sum = new double[d * d];
            for (int x = 0; x < sum.length; x++) sum[x] = q[x] + k[x];
            int[] headPerm = permutations(heads).get(rnd.nextInt(6));
            double best = Double.NEGATIVE_INFINITY;
            for (int[] p : all) {
                if (p[0] / size == headPerm[0] && p[size] / size == headPerm[1] && p[2 * size] / size == headPerm[2]) {
                    best = Math.max(best, totalOf(sum, d, p));
                }
            }
            HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchQueryKey(q, k, headPerm, heads, size);
            assertArrayEquals(headPerm, m.blockPerm());
            assertEquals(best, m.total(), 1e-12);
            assertEquals(best, totalOf(sum, d, m.perm()), 1e-12);
        }
    }

    /** A correlation matrix with strong correlation on a planted block permutation and noise elsewhere. */
    private static double[] planted(Random rnd, int[] perm) {
        int d = perm.length;
        double[] c = new double[d * d];
        for (int k = 0; k < c.length; k++) c[k] = 0.25 * (rnd.nextDouble() * 2 - 1);
        for (int i = 0; i < d; i++) c[i * d + perm[i]] = 0.5 + 0.5 * rnd.nextDouble();
        return c;
    }

    private static int[] randomBlockPermutation(Random rnd, int blocks, int size) {
        int[] order = shuffled(rnd, blocks);
        int[][] within = new int[blocks][];
        for (int j = 0; j < blocks; j++) within[j] = shuffled(rnd, size);
        return HeadAwareMatching.compose(order, within, size);
    }

    private static int[] shuffled(Random rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    @Test
    void plantedHeadPermutationIsRecoveredExactly() {
        Random rnd = new Random(13);
        int[] truth = randomBlockPermutation(rnd, 12, 64);
        HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchHeads(planted(rnd, truth), 12, 64);
        assertArrayEquals(truth, m.perm());
        assertIsBlockPermutation(m);
    }

    @Test
    void plantedResidualGroupPermutationIsRecoveredExactly() {
        Random rnd = new Random(14);
        int[] truth = randomBlockPermutation(rnd, 16, 48);
        HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchGroups(planted(rnd, truth), 16, 48);
        assertArrayEquals(truth, m.perm());
    }

    @Test
    void plantedQueryKeyPermutationIsRecoveredFromTheSumOfQAndK() {
        Random rnd = new Random(15);
        int heads = 4;
        int size = 8;
        int[] truth = randomBlockPermutation(rnd, heads, size);
        int d = heads * size;
        // Q and K each carry a stronger decoy (another within-head permutation), so either alone would
        // mislead; only their sum points at the truth.
        double[] q = new double[d * d];
        double[] k = new double[d * d];
        for (int x = 0; x < q.length; x++) {
            q[x] = 0.1 * (rnd.nextDouble() * 2 - 1);
            k[x] = 0.1 * (rnd.nextDouble() * 2 - 1);
        }
        for (int i = 0; i < d; i++) {
            int base = truth[i] / size * size;
            int r = truth[i] % size;
            q[i * d + truth[i]] = 0.3;
            k[i * d + truth[i]] = 0.3;
            q[i * d + base + (r + 1) % size] = 0.35;
            k[i * d + base + (r + 2) % size] = 0.35;
        }
        int[] headPerm = new int[heads];
        for (int j = 0; j < heads; j++) headPerm[j] = truth[j * size] / size;
        HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchQueryKey(q, k, headPerm, heads, size);
        assertArrayEquals(truth, m.perm());
        double[] zero = new double[d * d];
        assertFalse(java.util.Arrays.equals(truth, HeadAwareMatching.matchQueryKey(q, zero, headPerm, heads, size).perm()));
    }

    @Test
    void badShapesAndHeadOrdersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> HeadAwareMatching.matchHeads(new double[35], 3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeadAwareMatching.matchQueryKey(new double[36], new double[36], new int[] {0, 0, 1}, 3, 2));
        assertTrue(e.getMessage().contains("not a permutation"), e.getMessage());
    }

    private static void assertIsBlockPermutation(HeadAwareMatching.BlockMatching m) {
        int s = m.blockSize();
        boolean[] seen = new boolean[m.perm().length];
        for (int i = 0; i < m.perm().length; i++) {
            int p = m.perm()[i];
            assertFalse(seen[p]);
            seen[p] = true;
            assertEquals(m.blockPerm()[i / s], p / s, "unit " + i + " leaves its block's partner");
        }
    }

    @Test
    void withDeadUnitsTheTotalIsStillTheBlockOptimumAndDeadHeadsStayInPlace() {
        Random rnd = new Random(41);
        int blocks = 3, size = 2, d = blocks * size;
        List<int[]> all = blockPermutations(blocks, size);
        for (int trial = 0; trial < 60; trial++) {
            boolean[] deadA = new boolean[d];
            boolean[] deadB = new boolean[d];
            for (int i = 0; i < d; i++) {
                deadA[i] = rnd.nextDouble() < 0.3;
                deadB[i] = rnd.nextDouble() < 0.3;
            }
            double[] c = randomCorrelation(rnd, d);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) if (deadA[i] || deadB[j]) c[i * d + j] = 0;
            }
            double best = Double.NEGATIVE_INFINITY;
            for (int[] p : all) best = Math.max(best, totalOf(c, d, p));
            HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchHeads(c, blocks, size, deadA, deadB);
            assertEquals(best, totalOf(c, d, m.perm()), 1e-12, "trial " + trial);
            assertEquals(d, java.util.Arrays.stream(m.perm()).distinct().count(), "a permutation");
        }
        // Head 1 dead in both models, heads 0 and 2 swapped: head 1 stays, the live heads are matched.
        double[] c = new double[d * d];
        c[0 * d + 4] = c[1 * d + 5] = c[4 * d + 0] = c[5 * d + 1] = 0.9;
        boolean[] dead = {false, false, true, true, false, false};
        assertArrayEquals(new int[] {2, 1, 0}, HeadAwareMatching.matchHeads(c, blocks, size, dead, dead).blockPerm());
        boolean[] none = new boolean[d];
        java.util.Arrays.fill(none, true);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, HeadAwareMatching.matchHeads(new double[d * d], blocks, size, none, none).perm());
    }
}
