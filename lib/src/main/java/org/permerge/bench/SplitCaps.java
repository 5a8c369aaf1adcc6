package org.permerge.bench;

/**
 * The most clips a probing task keeps from each of its splits (0 = all of them). A study probes the rows its
 * pre-registered comparisons use on large sets (every test clip) and the rest of its λ sweep on small ones;
 * both keep the lowest-ranked clips of one seeded ranking, so the small sets lie inside the large ones.
 *
 * @param train most training clips
 * @param dev   most dev clips (early stopping)
 * @param test  most test clips
 */
public record SplitCaps(int train, int dev, int test) {
    public SplitCaps {
        if (train < 0 || dev < 0 || test < 0) {
            throw new IllegalArgumentException("clip caps must be ≥ 0 (0 = all), got train " + train + ", dev " + dev + ", test " + test);
        }
    }

    /** The same cap on every split. */
    public static SplitCaps each(int max) {
        return new SplitCaps(max, max, max);
    }

    /** No cap. */
    public static SplitCaps all() {
        return new SplitCaps(0, 0, 0);
    }

    @Override
    public String toString() {
        return "train " + label(train) + ", dev " + label(dev) + ", test " + label(test);
    }

    private static String label(int n) {
        return n == 0 ? "all" : "≤ " + n;
    }
}
