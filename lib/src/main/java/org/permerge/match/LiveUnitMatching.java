package org.permerge.match;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Matching that leaves dead units in place. A dead unit (one that did not vary over the calibration frames,
 * see {@code correlate.UnitStatistics#deadUnits}) correlates 0 with everything, so every assignment of it is
 * equally good and a plain linear assignment moves it arbitrarily: with silent calibration audio every CNN unit
 * moved and a model merged with itself changed. Here only live units of A are matched, to live units of B (or,
 * where every live partner correlates negatively, to a dead one, worth 0), which reaches the same optimal total
 * as the full assignment; the remaining units are then paired so that a dead unit keeps its own index wherever
 * no live unit of A took that index of B. A and B may have different dead sets; the result is always a
 * permutation.
 *
 * <p>Permutations follow the project convention: {@code perm[i]} is the unit of B matched to unit i of A.
 */
public final class LiveUnitMatching {
    private LiveUnitMatching() {}

    /**
     * The matching maximising total correlation with dead units kept in place.
     *
     * @param correlation row-major d×d (A units × B units)
     * @param deadA       dead units of A (null: none)
     * @param deadB       dead units of B (null: none)
     * @return {@code perm[i]}, the unit of B matched to unit i of A
     */
    public static int[] solve(double[] correlation, int d, boolean[] deadA, boolean[] deadB) {
        if ((long) d * d != correlation.length) {
            throw new IllegalArgumentException("correlation holds " + correlation.length + " values, expected " + d + "×" + d);
        }
        boolean[] da = mask(deadA, d, "A");
        boolean[] db = mask(deadB, d, "B");
        int[] liveA = live(da);
        if (liveA.length == d && live(db).length == d) return LinearAssignment.solve(correlation, d, d, true).rowToCol();
        // Rows: live units of A. Columns: every unit of B, a dead one worth 0 (its correlation is 0 by definition).
        int p = liveA.length;
        int[] perm = new int[d];
        Arrays.fill(perm, -1);
        boolean[] taken = new boolean[d];
        List<Integer> zeroChoosers = new ArrayList<>();
        if (p > 0) {
            double[] sub = new double[p * d];
            for (int r = 0; r < p; r++) {
                for (int j = 0; j < d; j++) sub[r * d + j] = db[j] ? 0 : correlation[liveA[r] * d + j];
            }
            int[] rowToCol = LinearAssignment.solve(sub, p, d, true).rowToCol();
            for (int r = 0; r < p; r++) {
                int j = rowToCol[r];
                if (db[j]) {
                    zeroChoosers.add(liveA[r]); // which dead unit of B it gets is settled below
                } else {
                    perm[liveA[r]] = j;
                    taken[j] = true;
                }
            }
        }
        // A live unit of A whose best partner is "nothing" takes a dead unit of B: its own index if it can ...
        List<Integer> waiting = new ArrayList<>();
        for (int i : zeroChoosers) {
            if (db[i] && !taken[i]) {
                perm[i] = i;
                taken[i] = true;
            } else {
                waiting.add(i);
            }
        }
        // ... else one whose index no dead unit of A would keep, so that dead units stay where they are.
        for (int pass = 0; pass < 2 && !waiting.isEmpty(); pass++) {
            for (int j = 0; j < d && !waiting.isEmpty(); j++) {
                if (db[j] && !taken[j] && (pass == 1 || !da[j])) {
                    perm[waiting.remove(0)] = j;
                    taken[j] = true;
                }
            }
        }
        for (int i = 0; i < d; i++) {
            if (perm[i] < 0 && da[i] && !taken[i]) {
                perm[i] = i;
                taken[i] = true;
            }
        }
        int next = 0;
        for (int i = 0; i < d; i++) {
            if (perm[i] >= 0) continue;
            while (taken[next]) next++;
            perm[i] = next;
            taken[next] = true;
        }
        return perm;
    }

    private static boolean[] mask(boolean[] dead, int d, String side) {
        if (dead == null) return new boolean[d];
        if (dead.length != d) throw new IllegalArgumentException("dead-unit mask of " + side + " has " + dead.length + " entries, expected " + d);
        return dead;
    }

    private static int[] live(boolean[] dead) {
        int n = 0;
        for (boolean x : dead) if (!x) n++;
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; i < dead.length; i++) if (!dead[i]) out[k++] = i;
        return out;
    }

    /** A mask of length d with the given unit indices set. */
    public static boolean[] mask(int[] units, int d) {
        boolean[] m = new boolean[d];
        for (int u : units) m[u] = true;
        return m;
    }
}
