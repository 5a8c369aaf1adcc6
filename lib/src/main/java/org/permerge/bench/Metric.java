package org.permerge.bench;

/**
 * A task's evaluation metric: a ratio of per-clip sums (correct/1 for accuracy, errors/words for an error
 * rate), and whether larger values are better.
 */
public enum Metric {
    /** Fraction of test clips labelled correctly; higher is better. */
    ACCURACY("accuracy", true),
    /** Errors per reference unit (word, phone or character error rate); lower is better. */
    ERROR_RATE("error rate", false);

    private final String label;
    private final boolean higherIsBetter;

    Metric(String label, boolean higherIsBetter) {
        this.label = label;
        this.higherIsBetter = higherIsBetter;
    }

    /** Human-readable name, as printed in tables. */
    public String label() {
        return label;
    }

    /** Whether a larger value of this metric means a better model. */
    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    /**
     * The value on a higher-is-better scale, for raw averages across tasks that mix metrics: an error rate
     * e becomes 1 − e (SUPERB reports e.g. 100 − WER in its averages for the same reason).
     */
    public double oriented(double value) {
        return higherIsBetter ? value : 1.0 - value;
    }

    /** The better of two values under this metric. */
    public double better(double a, double b) {
        return higherIsBetter ? Math.max(a, b) : Math.min(a, b);
    }
}
