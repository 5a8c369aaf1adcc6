package org.permerge.pretrain;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KMeansTest {
    private static float[][] blobs(int perBlob, double[][] centres, double spread, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[perBlob * centres.length][];
        for (int c = 0; c < centres.length; c++) {
            for (int i = 0; i < perBlob; i++) {
                float[] row = new float[centres[c].length];
                for (int d = 0; d < row.length; d++) row[d] = (float) (centres[c][d] + spread * r.nextGaussian());
                x[c * perBlob + i] = row;
            }
        }
        return x;
    }

    @Test
    void recoversSeparatedBlobs() {
        double[][] centres = {{0, 0, 0}, {10, 0, 0}, {0, 10, 0}, {0, 0, 10}, {10, 10, 10}};
        float[][] x = blobs(200, centres, 0.5, 1);
        KMeans km = KMeans.fit(x, 5, 50, 7);
        int[] a = km.assign(x);
        Set<Integer> used = new HashSet<>();
        for (int c = 0; c < centres.length; c++) {
            Map<Integer, Integer> votes = new HashMap<>();
            for (int i = 0; i < 200; i++) votes.merge(a[c * 200 + i], 1, Integer::sum);
            assertEquals(1, votes.size(), "blob " + c + " split over clusters " + votes);
            used.add(votes.keySet().iterator().next());
            float[] centroid = km.centroids()[votes.keySet().iterator().next()];
            for (int d = 0; d < 3; d++) assertEquals(centres[c][d], centroid[d], 0.15);
        }
        assertEquals(5, used.size());
    }

    @Test
    void convergedCentroidsAreMeansOfTheirNearestRows() {
        float[][] x = blobs(100, new double[][] {{0, 0}, {3, 1}, {1, 4}}, 1.5, 2);
        KMeans km = KMeans.fit(x, 4, 500, 3);
        int[] a = km.assign(x);
        float[][] c = km.centroids();
        for (int j = 0; j < c.length; j++) {
            double sx = 0, sy = 0;
            int n = 0;
            for (int i = 0; i < x.length; i++) {
                if (a[i] == j) {
                    sx += x[i][0];
                    sy += x[i][1];
                    n++;
                }
            }
            assertTrue(n > 0);
            assertEquals(sx / n, c[j][0], 1e-4);
            assertEquals(sy / n, c[j][1], 1e-4);
        }
        // brute-force nearest and inertia
        double sse = 0;
        for (int i = 0; i < x.length; i++) {
            double best = Double.POSITIVE_INFINITY;
            for (float[] cj : c) best = Math.min(best, Math.pow(x[i][0] - cj[0], 2) + Math.pow(x[i][1] - cj[1], 2));
            double mine = Math.pow(x[i][0] - c[a[i]][0], 2) + Math.pow(x[i][1] - c[a[i]][1], 2);
            assertEquals(best, mine, 1e-9);
            sse += best;
        }
        assertEquals(sse, km.inertia(x), 1e-6 * sse);
    }

    @Test
    void findsTheGlobalOptimumOfASmallProblemAndMoreClustersNeverHurt() {
        float[][] x = {{0}, {1}, {2}, {10}, {11}, {12}, {30}, {31}};
        // brute force over all labelings into 3 groups
        double best = Double.POSITIVE_INFINITY;
        int n = x.length;
        for (int code = 0; code < Math.pow(3, n); code++) {
            int[] lab = new int[n];
            int c = code;
            for (int i = 0; i < n; i++) {
                lab[i] = c % 3;
                c /= 3;
            }
            double sse = 0;
            for (int g = 0; g < 3; g++) {
                double s = 0;
                int m = 0;
                for (int i = 0; i < n; i++) if (lab[i] == g) { s += x[i][0]; m++; }
                for (int i = 0; i < n; i++) if (lab[i] == g) sse += Math.pow(x[i][0] - s / m, 2);
            }
            best = Math.min(best, sse);
        }
        double bestOfSeeds = Double.POSITIVE_INFINITY;
        for (long seed = 0; seed < 5; seed++) bestOfSeeds = Math.min(bestOfSeeds, KMeans.fit(x, 3, 100, seed).inertia(x));
        assertEquals(best, bestOfSeeds, 1e-6);
        assertTrue(KMeans.fit(x, 4, 100, 0).inertia(x) <= KMeans.fit(x, 2, 100, 0).inertia(x));
    }

    @Test
    void sameSeedSameCentroids() {
        float[][] x = blobs(50, new double[][] {{0, 0}, {2, 2}, {4, 0}}, 1.0, 5);
        float[][] a = KMeans.fit(x, 6, 20, 11).centroids();
        float[][] b = KMeans.fit(x, 6, 20, 11).centroids();
        for (int j = 0; j < a.length; j++) assertArrayEquals(a[j], b[j]);
    }

    @Test
    void refusesBadInput() {
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(new float[][] {{1}, {2}}, 3, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(new float[][] {{1}, {Float.NaN}}, 1, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(new float[][] {{1, 2}, {2}}, 1, 10, 0));
        KMeans km = KMeans.fit(new float[][] {{1, 2}, {2, 3}}, 1, 10, 0);
        assertThrows(IllegalArgumentException.class, () -> km.nearest(new float[] {1}));
    }
}
