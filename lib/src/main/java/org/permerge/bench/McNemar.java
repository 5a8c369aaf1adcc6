package org.permerge.bench;

import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * Exact (binomial) two-sided McNemar test between two classifiers on the same test clips: under the null
 * hypothesis the clips only one of them gets right split 50/50 between the two.
 *
 * @param onlyFirstCorrect  clips the first model gets right and the second wrong (b)
 * @param onlySecondCorrect clips the second model gets right and the first wrong (c)
 * @param pValue            two-sided exact p-value, min(1, 2·P[X ≤ min(b, c)]) with X ~ Binomial(b + c, ½)
 */
public record McNemar(int onlyFirstCorrect, int onlySecondCorrect, double pValue) {

    /** Test from per-clip correctness of two models on the same clips, in the same order. */
    public static McNemar exact(boolean[] first, boolean[] second) {
        if (first.length != second.length) {
            throw new IllegalArgumentException("McNemar needs paired results: " + first.length + " vs "
                    + second.length + " clips");
        }
        int b = 0, c = 0;
        for (int i = 0; i < first.length; i++) {
            if (first[i] && !second[i]) b++;
            else if (!first[i] && second[i]) c++;
        }
        return new McNemar(b, c, exactPValue(b, c));
    }

    /** Test between two models' outcomes on the same accuracy task. */
    public static McNemar exact(TaskOutcome first, TaskOutcome second) {
        first.requirePairedWith(second);
        return exact(first.correct(), second.correct());
    }

    /** The exact two-sided p-value for b and c discordant pairs. */
    public static double exactPValue(int b, int c) {
        if (b < 0 || c < 0) throw new IllegalArgumentException("discordant counts must be non-negative: " + b + ", " + c);
        int n = b + c;
        if (n == 0) return 1.0;
        BinomialDistribution bin = new BinomialDistribution(null, n, 0.5);
        return Math.min(1.0, 2.0 * bin.cumulativeProbability(Math.min(b, c)));
    }

    /** Number of discordant clips. */
    public int discordant() {
        return onlyFirstCorrect + onlySecondCorrect;
    }
}
