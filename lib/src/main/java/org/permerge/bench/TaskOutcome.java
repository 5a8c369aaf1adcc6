package org.permerge.bench;

import java.util.Arrays;
import java.util.Objects;

/**
 * One model's per-clip results on one task's test clips. The metric is a ratio of sums,
 * {@code Σ numerator / Σ denominator}: for accuracy the numerator is 1 for a correct clip and the
 * denominator 1; for an error rate the numerator counts errors and the denominator reference units — so
 * the bootstrap resamples clips, as SUPERB's significance tests do.
 */
public final class TaskOutcome {
    private final TaskSpec task;
    private final String[] clipIds;
    private final double[] numerators;
    private final double[] denominators;

    /** Outcomes with explicit per-clip numerators and denominators (both of the clips' length). */
    public TaskOutcome(TaskSpec task, String[] clipIds, double[] numerators, double[] denominators) {
        this.task = Objects.requireNonNull(task, "task");
        Objects.requireNonNull(clipIds, "clipIds");
        Objects.requireNonNull(numerators, "numerators");
        Objects.requireNonNull(denominators, "denominators");
        if (clipIds.length == 0) throw new IllegalArgumentException("task " + task.name() + ": no test clips");
        if (numerators.length != clipIds.length || denominators.length != clipIds.length) {
            throw new IllegalArgumentException("task " + task.name() + ": " + clipIds.length + " clip ids but "
                    + numerators.length + " numerators and " + denominators.length + " denominators");
        }
        for (int i = 0; i < clipIds.length; i++) {
            if (!Double.isFinite(numerators[i]) || !(denominators[i] > 0) || !Double.isFinite(denominators[i])) {
                throw new IllegalArgumentException("task " + task.name() + ", clip " + clipIds[i]
                        + ": numerator " + numerators[i] + " / denominator " + denominators[i]
                        + " (expected finite values and a positive denominator)");
            }
        }
        this.clipIds = clipIds.clone();
        this.numerators = numerators.clone();
        this.denominators = denominators.clone();
    }

    /** Accuracy outcomes from per-clip correctness. */
    public static TaskOutcome ofCorrect(TaskSpec task, String[] clipIds, boolean[] correct) {
        if (task.metric() != Metric.ACCURACY) {
            throw new IllegalArgumentException("task " + task.name() + " is scored by " + task.metric().label()
                    + ", not accuracy: give per-clip errors and reference lengths");
        }
        double[] num = new double[correct.length];
        for (int i = 0; i < correct.length; i++) num[i] = correct[i] ? 1 : 0;
        double[] den = new double[correct.length];
        Arrays.fill(den, 1.0);
        return new TaskOutcome(task, clipIds, num, den);
    }

    /** Accuracy outcomes from predicted and true class indices. */
    public static TaskOutcome ofPredictions(TaskSpec task, String[] clipIds, int[] predicted, int[] truth) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException("task " + task.name() + ": " + predicted.length
                    + " predictions for " + truth.length + " labels");
        }
        boolean[] ok = new boolean[truth.length];
        for (int i = 0; i < ok.length; i++) ok[i] = predicted[i] == truth[i];
        return ofCorrect(task, clipIds, ok);
    }

    public TaskSpec task() {
        return task;
    }

    /** Number of test clips. */
    public int size() {
        return clipIds.length;
    }

    public String[] clipIds() {
        return clipIds.clone();
    }

    public double numerator(int clip) {
        return numerators[clip];
    }

    public double denominator(int clip) {
        return denominators[clip];
    }

    /** The metric over all test clips. */
    public double value() {
        double n = 0, d = 0;
        for (int i = 0; i < numerators.length; i++) {
            n += numerators[i];
            d += denominators[i];
        }
        return n / d;
    }

    /** The metric over a resample of clips (indices may repeat). */
    public double value(int[] sample) {
        double n = 0, d = 0;
        for (int i : sample) {
            n += numerators[i];
            d += denominators[i];
        }
        return n / d;
    }

    /** Per-clip correctness, for accuracy tasks (numerator equal to the denominator). */
    public boolean[] correct() {
        if (task.metric() != Metric.ACCURACY) {
            throw new IllegalStateException("task " + task.name() + " is not an accuracy task");
        }
        boolean[] ok = new boolean[numerators.length];
        for (int i = 0; i < ok.length; i++) ok[i] = numerators[i] == denominators[i];
        return ok;
    }

    /** Fails unless {@code other} scored the same task on the same clips in the same order (a paired design). */
    public void requirePairedWith(TaskOutcome other) {
        if (!task.name().equals(other.task.name())) {
            throw new IllegalArgumentException("cannot pair task " + task.name() + " with task " + other.task.name());
        }
        if (!Arrays.equals(clipIds, other.clipIds)) {
            throw new IllegalArgumentException("task " + task.name() + ": the two models were scored on different"
                    + " test clips (" + clipIds.length + " vs " + other.clipIds.length + " ids, or another order)");
        }
    }
}
