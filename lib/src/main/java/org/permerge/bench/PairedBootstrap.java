package org.permerge.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Paired bootstrap over test clips (percentile intervals). Each task's resamples depend only on the seed,
 * the task name and the number of clips, so every model scored on the same clips sees the same resamples:
 * intervals of differences between models are paired, and a table's averages resample every task at once.
 */
public final class PairedBootstrap {
    /** Default number of bootstrap replicates. */
    public static final int DEFAULT_REPLICATES = 1000;
    /** Default seed, recorded in every table's provenance. */
    public static final long DEFAULT_SEED = 20250611L;

    private final int replicates;
    private final long seed;

    /** A bootstrap with {@code replicates} resamples drawn from {@code seed}. */
    public PairedBootstrap(int replicates, long seed) {
        if (replicates < 10) throw new IllegalArgumentException("bootstrap needs at least 10 replicates, got " + replicates);
        this.replicates = replicates;
        this.seed = seed;
    }

    /** 1000 replicates with the default seed. */
    public static PairedBootstrap defaults() {
        return new PairedBootstrap(DEFAULT_REPLICATES, DEFAULT_SEED);
    }

    public int replicates() {
        return replicates;
    }

    public long seed() {
        return seed;
    }

    /** The metric on every resample of one model's outcomes. */
    public double[] replicates(TaskOutcome outcome) {
        return replicates(List.of(outcome))[0];
    }

    /**
     * The metric on every resample for several models scored on the same clips: {@code [model][replicate]},
     * each replicate using the same clip indices for every model.
     */
    public double[][] replicates(List<TaskOutcome> paired) {
        if (paired.isEmpty()) throw new IllegalArgumentException("no outcomes to resample");
        TaskOutcome first = paired.get(0);
        for (TaskOutcome o : paired) first.requirePairedWith(o);
        int n = first.size();
        double[][] out = new double[paired.size()][replicates];
        SplittableRandom rng = stream(first.task().name(), n);
        int[] sample = new int[n];
        for (int r = 0; r < replicates; r++) {
            for (int i = 0; i < n; i++) sample[i] = rng.nextInt(n);
            for (int m = 0; m < paired.size(); m++) out[m][r] = paired.get(m).value(sample);
        }
        return out;
    }

    /** Percentile interval of one model's metric. */
    public Interval interval(TaskOutcome outcome, double level) {
        return percentile(outcome.value(), replicates(outcome), level);
    }

    /** Percentile interval of the paired difference {@code a − b} of two models' metric on the same clips. */
    public Interval difference(TaskOutcome a, TaskOutcome b, double level) {
        double[][] reps = replicates(List.of(a, b));
        double[] diff = new double[replicates];
        for (int r = 0; r < replicates; r++) diff[r] = reps[0][r] - reps[1][r];
        return percentile(a.value() - b.value(), diff, level);
    }

    /**
     * Two-sided p-value of "no difference" from the paired bootstrap replicates of a difference: the replicates
     * centred on the estimate stand for the null distribution, and p = (1 + #{|d*_r − d̂| ≥ |d̂|}) / (R + 1)
     * (the +1 keeps a finite number of replicates from reporting p = 0).
     */
    public static double pValue(double estimate, double[] differenceReplicates) {
        if (differenceReplicates.length == 0) throw new IllegalArgumentException("no bootstrap replicates");
        if (!Double.isFinite(estimate)) return Double.NaN;
        int extreme = 0;
        for (double d : differenceReplicates) if (Math.abs(d - estimate) >= Math.abs(estimate)) extreme++;
        return (1.0 + extreme) / (differenceReplicates.length + 1.0);
    }

    /**
     * Percentile interval from bootstrap replicates: the (1 − level)/2 and (1 + level)/2 quantiles, linearly
     * interpolated between order statistics (the "type 7" definition numpy uses by default).
     */
    public static Interval percentile(double estimate, double[] replicateValues, double level) {
        if (!(level > 0 && level < 1)) throw new IllegalArgumentException("confidence level must be in (0, 1), got " + level);
        double[] sorted = replicateValues.clone();
        Arrays.sort(sorted);
        return new Interval(estimate, quantile(sorted, (1 - level) / 2), quantile(sorted, (1 + level) / 2), level);
    }

    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private SplittableRandom stream(String task, int n) {
        // FNV-1a over the task name keeps the stream stable across JVMs (String.hashCode would too, but
        // this documents that the key is part of the reproducibility contract).
        long h = 0xcbf29ce484222325L;
        for (byte b : task.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return new SplittableRandom(seed ^ h ^ (0x9e3779b97f4a7c15L * (n + 1L)));
    }
}
