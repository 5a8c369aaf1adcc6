package org.permerge.pretrain;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpanMaskTest {
    /** log of the binomial coefficient C(n, k). */
    private static double logChoose(int n, int k) {
        if (k < 0 || k > n) return Double.NEGATIVE_INFINITY;
        double s = 0;
        for (int i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
        return s;
    }

    /** E[masked frames] for s distinct uniform starts among n = len - L + 1, each covering L frames. */
    private static double expectedMasked(int len, int span, int s) {
        int n = len - span + 1;
        double e = 0;
        for (int t = 0; t < len; t++) {
            int covering = Math.min(t, n - 1) - Math.max(0, t - span + 1) + 1;
            e += 1 - Math.exp(logChoose(n - covering, s) - logChoose(n, s));
        }
        return e;
    }

    @Test
    void maskedShareMatchesTheAnalyticExpectation() {
        SpanMask m = new SpanMask(0.65, 5, 2);
        int len = 49;
        // spans = floor(0.65·49/5 + ε) = 6 when ε < 0.63, else 7
        double p7 = 1 - (7 - 0.65 * 49 / 5);
        double expected = (1 - p7) * expectedMasked(len, 5, 6) + p7 * expectedMasked(len, 5, 7);
        SplittableRandom rnd = new SplittableRandom(3);
        int draws = 200000;
        double total = 0;
        for (int i = 0; i < draws; i++) {
            boolean[][] mask = m.sample(new int[] {len}, len, rnd);
            for (boolean b : mask[0]) if (b) total++;
        }
        assertEquals(expected, total / draws, 0.03);
    }

    @Test
    void runsAreWholeSpansAndPaddingIsNeverMasked() {
        SpanMask m = new SpanMask(0.65, 10, 2);
        SplittableRandom rnd = new SplittableRandom(9);
        for (int rep = 0; rep < 500; rep++) {
            int[] frames = {49, 30, 12};
            boolean[][] mask = m.sample(frames, 49, rnd);
            for (int b = 0; b < frames.length; b++) {
                int masked = 0, run = 0;
                for (int t = 0; t < 49; t++) {
                    if (t >= frames[b]) assertFalse(mask[b][t], "padding frame " + t + " masked");
                    if (mask[b][t]) {
                        run++;
                        masked++;
                    } else {
                        assertTrue(run == 0 || run >= 10, "run of " + run + " frames");
                        run = 0;
                    }
                }
                assertTrue(run == 0 || run >= 10);
                assertTrue(masked >= 10, "at least minSpans spans must fit when the clip allows one");
            }
        }
        // a clip shorter than a span gets no mask
        assertFalse(m.sample(new int[] {5}, 49, rnd)[0][0]);
    }

    @Test
    void refusesBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new SpanMask(0, 10, 2));
        assertThrows(IllegalArgumentException.class, () -> new SpanMask(0.5, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> new SpanMask(0.5, 10, 2).sample(new int[] {60}, 49, new SplittableRandom(1)));
    }
}
