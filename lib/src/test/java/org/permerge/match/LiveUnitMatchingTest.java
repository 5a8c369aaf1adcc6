package org.permerge.match;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Dead units stay in place, the total is the brute-force optimum, and the result is always a permutation. */
class LiveUnitMatchingTest {
    /** The best total over all d! permutations. */
    private static double bruteForce(double[] c, int d) {
        int[] p = new int[d];
        for (int i = 0; i < d; i++) p[i] = i;
        double best = Double.NEGATIVE_INFINITY;
        do {
            best = Math.max(best, total(c, p));
        } while (next(p));
        return best;
    }

    private static boolean next(int[] p) {
        int i = p.length - 2;
        while (i >= 0 && p[i] >= p[i + 1]) i--;
        if (i < 0) return false;
        int j = p.length - 1;
        while (p[j] <= p[i]) j--;
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
        for (int a = i + 1, b = p.length - 1; a < b; a++, b--) {
            t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
        return true;
    }

    private static double total(double[] c, int[] p) {
        double s = 0;
        for (int i = 0; i < p.length; i++) s += c[i * p.length + p[i]];
        return s;
    }

    @Test
    void matchesTheBruteForceOptimumAndKeepsDeadUnitsWhereNoLiveUnitTookTheirPlace() {
        Random rnd = new Random(14);
        for (int trial = 0; trial < 400; trial++) {
            int d = 1 + rnd.nextInt(7);
            boolean[] deadA = new boolean[d];
            boolean[] deadB = new boolean[d];
            for (int i = 0; i < d; i++) {
                deadA[i] = rnd.nextDouble() < 0.35;
                deadB[i] = rnd.nextDouble() < 0.35;
            }
            double[] c = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) c[i * d + j] = deadA[i] || deadB[j] ? 0 : 2 * rnd.nextDouble() - 1;
            }
            int[] perm = LiveUnitMatching.solve(c, d, deadA, deadB);
            String what = "trial " + trial + " dead A " + Arrays.toString(deadA) + " dead B " + Arrays.toString(deadB)
                    + " perm " + Arrays.toString(perm);
            assertArrayEquals(java.util.stream.IntStream.range(0, d).toArray(), Arrays.stream(perm).sorted().toArray(), what);
            assertEquals(bruteForce(c, d), total(c, perm), 1e-12, what);
            int[] owner = new int[d];
            for (int i = 0; i < d; i++) owner[perm[i]] = i;
            for (int i = 0; i < d; i++) {
                if (deadA[i] && perm[i] != i) {
                    assertFalse(deadA[owner[i]], what + ": dead unit " + i + " moved though no live unit of A took B unit " + i);
                }
            }
        }
    }

    @Test
    void deadUnitsOnBothSidesStayPutAndLiveOnesAreMatched() {
        // Units 0 and 2 dead on both sides, live units 1 and 3 swapped: only the live ones move.
        int d = 4;
        double[] c = new double[d * d];
        c[1 * d + 3] = 0.9;
        c[3 * d + 1] = 0.8;
        c[1 * d + 1] = 0.1;
        c[3 * d + 3] = 0.2;
        boolean[] dead = {true, false, true, false};
        assertArrayEquals(new int[] {0, 3, 2, 1}, LiveUnitMatching.solve(c, d, dead, dead));
        // Every unit dead (a count of 0, or silence everywhere): the identity, where a plain assignment may return anything.
        boolean[] all = {true, true, true, true};
        assertArrayEquals(new int[] {0, 1, 2, 3}, LiveUnitMatching.solve(new double[d * d], d, all, all));
    }

    @Test
    void withoutDeadUnitsItIsThePlainAssignment() {
        Random rnd = new Random(3);
        int d = 9;
        double[] c = new double[d * d];
        for (int k = 0; k < c.length; k++) c[k] = rnd.nextGaussian();
        assertArrayEquals(LinearAssignment.solve(c, d, d, true).rowToCol(), LiveUnitMatching.solve(c, d, null, new boolean[d]));
    }
}
