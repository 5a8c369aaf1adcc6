package org.permerge.pretrain;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * HuBERT's first-iteration targets for one codebook: a frame feature over every clip, standardised per
 * dimension over the corpus, clustered by k-means on a seeded sample of frames, and every frame labelled
 * with its nearest cluster.
 *
 * @param codebook  what was clustered
 * @param labels    per clip, one cluster id per encoder frame
 * @param kmeans    the fitted clustering (on standardised features)
 * @param mean      per-dimension mean used to standardise
 * @param std       per-dimension standard deviation used to standardise
 * @param fitFrames frames the clustering was fitted on
 */
public record FrameTargets(TargetCodebook codebook, int[][] labels, KMeans kmeans, float[] mean, float[] std, int fitFrames) {

    /** Lloyd iterations at most. */
    public static final int MAX_ITERATIONS = 40;

    /**
     * Labels every clip.
     *
     * @param clips          mono clips at {@code sampleRate}
     * @param framesPerClip  encoder frames of each clip; feature rows beyond are dropped, missing trailing rows repeat the last one
     * @param maxFitFrames   frames sampled (without replacement, seeded) to fit k-means
     */
    public static FrameTargets fit(TargetCodebook codebook, List<float[]> clips, int sampleRate, int[] framesPerClip,
                                   int maxFitFrames, long seed) {
        if (clips.size() != framesPerClip.length) {
            throw new IllegalArgumentException("targets: " + clips.size() + " clips but " + framesPerClip.length + " frame counts");
        }
        List<float[][]> feats = new ArrayList<>(clips.size());
        int dims = -1;
        long total = 0;
        for (int i = 0; i < clips.size(); i++) {
            float[][] f = codebook.features().compute(clips.get(i), sampleRate);
            if (f.length == 0) {
                throw new IllegalArgumentException("targets " + codebook.name() + ": clip " + i + " gives no feature frames");
            }
            if (dims < 0) dims = f[0].length;
            if (f[0].length != dims) {
                throw new IllegalArgumentException("targets " + codebook.name() + ": clip " + i + " has " + f[0].length + " feature dims, expected " + dims);
            }
            feats.add(align(f, framesPerClip[i]));
            total += framesPerClip[i];
        }
        if (total == 0) throw new IllegalArgumentException("targets " + codebook.name() + ": the clips hold no encoder frames");
        double[] sum = new double[dims];
        double[] sq = new double[dims];
        for (float[][] f : feats) {
            for (float[] row : f) {
                for (int d = 0; d < dims; d++) {
                    if (!Float.isFinite(row[d])) throw new IllegalArgumentException("targets " + codebook.name() + ": non-finite feature value");
                    sum[d] += row[d];
                    sq[d] += (double) row[d] * row[d];
                }
            }
        }
        float[] mean = new float[dims];
        float[] std = new float[dims];
        for (int d = 0; d < dims; d++) {
            double m = sum[d] / total;
            mean[d] = (float) m;
            std[d] = (float) Math.sqrt(Math.max(sq[d] / total - m * m, 0) + 1e-8);
        }
        List<float[]> rows = new ArrayList<>((int) total);
        for (float[][] f : feats) {
            for (float[] row : f) {
                float[] z = new float[dims];
                for (int d = 0; d < dims; d++) z[d] = (row[d] - mean[d]) / std[d];
                rows.add(z);
            }
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int fit = (int) Math.min(maxFitFrames, total);
        // partial Fisher–Yates over row indices: a seeded sample without replacement
        int[] idx = new int[rows.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        float[][] sample = new float[fit][];
        for (int i = 0; i < fit; i++) {
            int j = i + rnd.nextInt(idx.length - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            sample[i] = rows.get(idx[i]);
        }
        KMeans km = KMeans.fit(sample, Math.min(codebook.clusters(), fit), MAX_ITERATIONS, rnd.nextLong());
        int[][] labels = new int[clips.size()][];
        int r = 0;
        for (int i = 0; i < clips.size(); i++) {
            labels[i] = new int[framesPerClip[i]];
            for (int t = 0; t < framesPerClip[i]; t++) labels[i][t] = km.nearest(rows.get(r++));
        }
        return new FrameTargets(codebook, labels, km, mean, std, fit);
    }

    /** Exactly {@code frames} rows: extra rows dropped, missing trailing rows repeat the last one. */
    static float[][] align(float[][] f, int frames) {
        float[][] out = new float[frames][];
        for (int t = 0; t < frames; t++) out[t] = f[Math.min(t, f.length - 1)];
        return out;
    }

    /** Share of frames in the most used cluster and the number of clusters used (a collapsed codebook shows here). */
    public String usageSummary() {
        int[] count = new int[kmeans.k()];
        long n = 0;
        for (int[] clip : labels) {
            for (int l : clip) {
                count[l]++;
                n++;
            }
        }
        int used = 0, max = 0;
        for (int c : count) {
            if (c > 0) used++;
            max = Math.max(max, c);
        }
        return String.format("%s: K=%d, %d used, largest cluster %.1f%% of %d frames, fitted on %d", codebook.name(),
                kmeans.k(), used, 100.0 * max / Math.max(n, 1), n, fitFrames);
    }
}
