package org.permerge.bench;

/**
 * A point estimate with a confidence interval.
 *
 * @param estimate the statistic on the full sample
 * @param lower    lower end of the interval
 * @param upper    upper end of the interval
 * @param level    confidence level, e.g. 0.95
 */
public record Interval(double estimate, double lower, double upper, double level) {
    /** Whether the interval contains {@code x}. */
    public boolean contains(double x) {
        return x >= lower && x <= upper;
    }

    /** Half the interval's width. */
    public double halfWidth() {
        return (upper - lower) / 2;
    }

    /** The interval under a linear map {@code scale·x + shift} (a negative scale swaps the ends). */
    public Interval map(double scale, double shift) {
        double a = scale * lower + shift, b = scale * upper + shift;
        return new Interval(scale * estimate + shift, Math.min(a, b), Math.max(a, b), level);
    }
}
