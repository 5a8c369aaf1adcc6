package org.permerge.pretrain;

import java.util.SplittableRandom;

/**
 * HuBERT/wav2vec 2.0 span masking: per clip, {@code floor(maskProb · frames / spanLength + ε)} span starts
 * (at least {@code minSpans}) drawn without replacement, each masking {@code spanLength} frames; spans
 * may overlap, so the masked share is below {@code maskProb}. Mirrors transformers'
 * {@code _compute_mask_indices} (one ε ∈ [0,1) per batch).
 *
 * @param maskProb   share of frames chosen as span starts, times the span length
 * @param spanLength frames per span
 * @param minSpans   spans per clip at least
 */
public record SpanMask(double maskProb, int spanLength, int minSpans) {

    public SpanMask {
        if (!(maskProb > 0 && maskProb <= 1)) throw new IllegalArgumentException("span mask: maskProb " + maskProb + " must be in (0, 1]");
        if (spanLength < 1) throw new IllegalArgumentException("span mask: spanLength " + spanLength + " must be ≥ 1");
        if (minSpans < 0) throw new IllegalArgumentException("span mask: minSpans " + minSpans + " must be ≥ 0");
    }

    /**
     * Masks for a batch.
     *
     * @param frames  valid frames of each clip (padding frames beyond them are never masked)
     * @param maxFrames width of the returned rows
     * @return [batch][maxFrames], true = masked
     */
    public boolean[][] sample(int[] frames, int maxFrames, SplittableRandom rnd) {
        double epsilon = rnd.nextDouble();
        boolean[][] mask = new boolean[frames.length][maxFrames];
        for (int b = 0; b < frames.length; b++) {
            int len = frames[b];
            if (len > maxFrames) throw new IllegalArgumentException("span mask: clip " + b + " has " + len + " frames, more than the batch width " + maxFrames);
            int spans = Math.max((int) (maskProb * len / spanLength + epsilon), minSpans);
            if (spans * spanLength > maxFrames) spans = maxFrames / spanLength;
            int starts = len - (spanLength - 1);
            if (starts < spans) spans = Math.max(starts, 0);
            int[] pick = choose(starts, spans, rnd);
            for (int s : pick) {
                for (int t = s; t < s + spanLength; t++) mask[b][t] = true;
            }
        }
        return mask;
    }

    /** {@code count} distinct integers from [0, n) (partial Fisher–Yates). */
    private static int[] choose(int n, int count, SplittableRandom rnd) {
        if (count <= 0) return new int[0];
        int[] pool = new int[n];
        for (int i = 0; i < n; i++) pool[i] = i;
        for (int i = 0; i < count; i++) {
            int j = i + rnd.nextInt(n - i);
            int tmp = pool[i];
            pool[i] = pool[j];
            pool[j] = tmp;
        }
        return java.util.Arrays.copyOf(pool, count);
    }
}
