package org.permerge.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PairedBootstrapTest {
    private static final TaskSpec TASK = TaskSpec.classification("word", Domain.SPEECH, "word");

    private static String[] ids(int n) {
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) ids[i] = "clip" + i;
        return ids;
    }

    /** The bootstrap interval of a proportion p̂ = 0.7 on n = 2000 is close to p̂ ± 1.96·√(p̂(1 − p̂)/n). */
    @Test
    void intervalOfKnownProportion() {
        int n = 2000;
        boolean[] ok = new boolean[n];
        for (int i = 0; i < n; i++) ok[i] = i % 10 < 7;
        TaskOutcome o = TaskOutcome.ofCorrect(TASK, ids(n), ok);
        Interval iv = new PairedBootstrap(4000, 7).interval(o, 0.95);
        double half = 1.959964 * Math.sqrt(0.7 * 0.3 / n);
        assertEquals(0.7, iv.estimate(), 1e-12);
        assertEquals(0.7 - half, iv.lower(), 0.003);
        assertEquals(0.7 + half, iv.upper(), 0.003);
    }

    /**
     * Paired difference: two models agree except on b clips only A gets right and c only B gets right. Per clip
     * the difference is +1, −1 or 0, so its standard error is √((b + c)/n − ((b − c)/n)²)/√n.
     */
    @Test
    void pairedDifferenceMatchesNormalApproximation() {
        int n = 1500, b = 120, c = 60;
        boolean[] a = new boolean[n], bb = new boolean[n];
        for (int i = 0; i < n; i++) {
            boolean both = i % 2 == 0;
            a[i] = both;
            bb[i] = both;
        }
        int placedB = 0, placedC = 0;
        for (int i = 1; i < n && (placedB < b || placedC < c); i += 2) {
            if (placedB < b) { a[i] = true; placedB++; }
            else { bb[i] = true; placedC++; }
        }
        TaskOutcome oa = TaskOutcome.ofCorrect(TASK, ids(n), a);
        TaskOutcome ob = TaskOutcome.ofCorrect(TASK, ids(n), bb);
        Interval d = new PairedBootstrap(4000, 11).difference(oa, ob, 0.95);
        double mean = (b - c) / (double) n;
        double se = Math.sqrt(((b + c) / (double) n - mean * mean) / n);
        assertEquals(mean, d.estimate(), 1e-12);
        assertEquals(mean - 1.959964 * se, d.lower(), 0.003);
        assertEquals(mean + 1.959964 * se, d.upper(), 0.003);
        // pairing matters: the unpaired interval would be about 2.5× wider here
        assertTrue(d.halfWidth() < 0.6 * 1.96 * Math.sqrt(2 * 0.55 * 0.45 / n));
    }

    @Test
    void identicalModelsHaveZeroDifferenceAndSameResamples() {
        int n = 50;
        boolean[] ok = new boolean[n];
        for (int i = 0; i < n; i++) ok[i] = i % 3 != 0;
        TaskOutcome o = TaskOutcome.ofCorrect(TASK, ids(n), ok);
        PairedBootstrap pb = new PairedBootstrap(200, 5);
        Interval d = pb.difference(o, o, 0.9);
        assertEquals(0, d.lower(), 0);
        assertEquals(0, d.upper(), 0);
        assertArrayEquals(pb.replicates(o), new PairedBootstrap(200, 5).replicates(o), "fixed seed reproduces");
    }

    @Test
    void percentileUsesLinearInterpolation() {
        // numpy.percentile([1..5], [2.5, 97.5]) = [1.1, 4.9]
        Interval iv = PairedBootstrap.percentile(3, new double[] {5, 1, 4, 2, 3}, 0.95);
        assertEquals(1.1, iv.lower(), 1e-12);
        assertEquals(4.9, iv.upper(), 1e-12);
    }

    @Test
    void errorRateIsRatioOfSums() {
        TaskSpec asr = new TaskSpec("asr", Domain.SPEECH, Metric.ERROR_RATE, "text");
        TaskOutcome o = new TaskOutcome(asr, new String[] {"a", "b"}, new double[] {1, 3}, new double[] {10, 10});
        assertEquals(0.2, o.value(), 1e-15);
        assertEquals(0.3, o.value(new int[] {1, 1}), 1e-15);
    }

    /** By hand: d̂ = 1, replicates (0.5, 1, 2.5, 3, −0.2) are 0.5, 0, 1.5, 2, 1.2 from d̂; three reach |d̂| = 1: p = (1 + 3)/(5 + 1). */
    @Test
    void pValueCountsCentredReplicatesAsExtremeAsTheEstimate() {
        org.junit.jupiter.api.Assertions.assertEquals(4.0 / 6, PairedBootstrap.pValue(1.0, new double[] {0.5, 1.0, 2.5, 3.0, -0.2}), 1e-12);
        // No difference at all: every replicate is as extreme as 0.
        org.junit.jupiter.api.Assertions.assertEquals(1.0, PairedBootstrap.pValue(0, new double[] {0, 0, 0}), 1e-12);
    }
}
