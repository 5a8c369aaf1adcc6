package org.permerge.pretrain;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lloyd's k-means with k-means++ seeding over dense float rows: the clustering that turns frame features
 * into HuBERT's discrete pretraining targets. Deterministic for a given seed.
 */
public final class KMeans {
    private final float[][] centroids;
    private final double inertia;
    private final int iterations;

    private KMeans(float[][] centroids, double inertia, int iterations) {
        this.centroids = centroids;
        this.inertia = inertia;
        this.iterations = iterations;
    }

    /**
     * Fits k centroids to the rows of {@code x}.
     *
     * @param x        rows of equal width, all finite
     * @param k        number of clusters (1 ≤ k ≤ rows)
     * @param maxIter  Lloyd iterations at most; stops earlier when no assignment changes
     * @param seed     seed of the k-means++ draws
     */
    public static KMeans fit(float[][] x, int k, int maxIter, long seed) {
        checkRows(x);
        if (k < 1 || k > x.length) {
            throw new IllegalArgumentException("k-means: k=" + k + " must be between 1 and the number of rows " + x.length);
        }
        int d = x[0].length;
        float[][] c = plusPlus(x, k, new SplittableRandom(seed));
        int[] assign = new int[x.length];
        Arrays.fill(assign, -1);
        double sse = Double.NaN;
        int it = 0;
        while (it < maxIter) {
            it++;
            boolean changed = false;
            sse = 0;
            for (int i = 0; i < x.length; i++) {
                int best = 0;
                double bestD = Double.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    double dist = sqDist(x[i], c[j], bestD);
                    if (dist < bestD) {
                        bestD = dist;
                        best = j;
                    }
                }
                if (assign[i] != best) {
                    assign[i] = best;
                    changed = true;
                }
                sse += bestD;
            }
            if (!changed) break;
            c = means(x, assign, k, d, c);
        }
        return new KMeans(c, sse, it);
    }

    /** k-means++: each next seed is a row drawn with probability proportional to its squared distance to the seeds so far. */
    private static float[][] plusPlus(float[][] x, int k, SplittableRandom rnd) {
        int n = x.length;
        float[][] c = new float[k][];
        c[0] = x[rnd.nextInt(n)].clone();
        double[] dist = new double[n];
        for (int i = 0; i < n; i++) dist[i] = sqDist(x[i], c[0], Double.POSITIVE_INFINITY);
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (double v : dist) total += v;
            int pick;
            if (total <= 0) {
                pick = rnd.nextInt(n); // every row coincides with a seed: any row will do
            } else {
                double r = rnd.nextDouble() * total;
                pick = n - 1;
                double acc = 0;
                for (int i = 0; i < n; i++) {
                    acc += dist[i];
                    if (acc >= r && dist[i] > 0) {
                        pick = i;
                        break;
                    }
                }
            }
            c[j] = x[pick].clone();
            for (int i = 0; i < n; i++) dist[i] = Math.min(dist[i], sqDist(x[i], c[j], dist[i]));
        }
        return c;
    }

    /** Cluster means; an emptied cluster keeps its previous centroid so k stays fixed. */
    private static float[][] means(float[][] x, int[] assign, int k, int d, float[][] previous) {
        double[][] sum = new double[k][d];
        int[] count = new int[k];
        for (int i = 0; i < x.length; i++) {
            double[] s = sum[assign[i]];
            float[] row = x[i];
            for (int t = 0; t < d; t++) s[t] += row[t];
            count[assign[i]]++;
        }
        float[][] c = new float[k][];
        for (int j = 0; j < k; j++) {
            if (count[j] == 0) {
                c[j] = previous[j].clone();
                continue;
            }
            c[j] = new float[d];
            for (int t = 0; t < d; t++) c[j][t] = (float) (sum[j][t] / count[j]);
        }
        return c;
    }

    /** Squared Euclidean distance, abandoned early (returning a value ≥ bound) once it exceeds bound. */
    private static double sqDist(float[] a, float[] b, double bound) {
        double s = 0;
        for (int t = 0; t < a.length; t++) {
            double diff = a[t] - b[t];
            s += diff * diff;
            if ((t & 7) == 7 && s > bound) return s;
        }
        return s;
    }

    private static void checkRows(float[][] x) {
        if (x.length == 0) throw new IllegalArgumentException("k-means: no rows to cluster");
        int d = x[0].length;
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != d) {
                throw new IllegalArgumentException("k-means: row " + i + " has width " + x[i].length + ", expected " + d);
            }
            for (float v : x[i]) {
                if (!Float.isFinite(v)) throw new IllegalArgumentException("k-means: row " + i + " holds a non-finite value " + v);
            }
        }
    }

    /** Index of the nearest centroid of each row. */
    public int[] assign(float[][] x) {
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) out[i] = nearest(x[i]);
        return out;
    }

    /** Index of the nearest centroid of one row (lowest index on ties). */
    public int nearest(float[] row) {
        if (row.length != centroids[0].length) {
            throw new IllegalArgumentException("k-means: row width " + row.length + ", expected " + centroids[0].length);
        }
        int best = 0;
        double bestD = Double.POSITIVE_INFINITY;
        for (int j = 0; j < centroids.length; j++) {
            double dist = sqDist(row, centroids[j], bestD);
            if (dist < bestD) {
                bestD = dist;
                best = j;
            }
        }
        return best;
    }

    /** Sum of squared distances of rows to their nearest centroid. */
    public double inertia(float[][] x) {
        double s = 0;
        for (float[] row : x) s += sqDist(row, centroids[nearest(row)], Double.POSITIVE_INFINITY);
        return s;
    }

    public int k() {
        return centroids.length;
    }

    /** A copy of the centroids, [k][d]. */
    public float[][] centroids() {
        float[][] c = new float[centroids.length][];
        for (int j = 0; j < c.length; j++) c[j] = centroids[j].clone();
        return c;
    }

    /** Inertia over the fitting rows at the last assignment. */
    public double fitInertia() {
        return inertia;
    }

    /** Lloyd iterations run. */
    public int iterations() {
        return iterations;
    }
}
