package org.permerge.bench;

/**
 * SUPERB-style normalisation of a task metric: {@code (s − s_fbank) / (s_ref − s_fbank)}, 0 at the log-mel
 * baseline and 1 at the reference (here the better of the two unmerged models), averaged over tasks and
 * reported ×1000.
 */
public final class SuperbScore {
    /** SUPERB reports the mean normalised score times this factor. */
    public static final double SCALE = 1000.0;

    private SuperbScore() {}

    /**
     * The normalised score of {@code s} on one task. Error rates are flipped to the higher-is-better
     * orientation (1 − e) first; the ratio is unchanged by that flip, which is why SUPERB can state one
     * formula for both directions. Returns NaN when the reference equals the baseline (the task cannot
     * separate them).
     */
    public static double normalised(Metric metric, double s, double sFbank, double sRef) {
        double x = metric.oriented(s), f = metric.oriented(sFbank), r = metric.oriented(sRef);
        double span = r - f;
        if (span == 0 || !Double.isFinite(span)) return Double.NaN;
        return (x - f) / span;
    }

    /** The reference score of a task: the better of the two unmerged models' scores. */
    public static double reference(Metric metric, double sA, double sB) {
        return metric.better(sA, sB);
    }

    /** Mean of per-task normalised scores, ×1000 (NaN if any is NaN or there are none). */
    public static double average(double[] normalisedPerTask) {
        if (normalisedPerTask.length == 0) return Double.NaN;
        double sum = 0;
        for (double v : normalisedPerTask) sum += v;
        return SCALE * sum / normalisedPerTask.length;
    }
}
