package org.permerge.pretrain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameTargetsTest {
    /** Frame t of a clip is "loud" when the clip's first sample is positive and t is even: two clean clusters. */
    private static float[][] toy(float[] x, int rate) {
        int n = (x.length - 400) / 320 + 1;
        float[][] f = new float[n][2];
        for (int t = 0; t < n; t++) {
            boolean loud = x[0] > 0 && t % 2 == 0;
            f[t][0] = loud ? 10 : 0;
            f[t][1] = loud ? 1000 : 0; // a dimension on another scale: standardised away
        }
        return f;
    }

    @Test
    void labelsEveryEncoderFrameWithItsCluster() {
        float[] pos = new float[6400];
        float[] neg = new float[6400];
        pos[0] = 1;
        neg[0] = -1;
        int frames = MiniArchitecture.config().framesFor(6400);
        // a third clip claims two frames more than its features have: the last row repeats
        FrameTargets t = FrameTargets.fit(new TargetCodebook("toy", FrameTargetsTest::toy, 2, "toy"), List.of(pos, neg, pos),
                16000, new int[] {frames, frames, frames + 2}, 1000, 3);
        int loud = t.labels()[0][0];
        int quiet = t.labels()[0][1];
        assertNotEquals(loud, quiet);
        for (int f = 0; f < frames; f++) {
            assertEquals(f % 2 == 0 ? loud : quiet, t.labels()[0][f]);
            assertEquals(quiet, t.labels()[1][f]);
        }
        assertEquals(frames + 2, t.labels()[2].length);
        assertEquals(t.labels()[2][frames - 1], t.labels()[2][frames + 1]);
        for (int d = 0; d < 2; d++) assertTrue(t.std()[d] > 0);
        assertTrue(t.usageSummary().contains("K=2, 2 used"), t.usageSummary());
    }

    @Test
    void refusesMismatchedInput() {
        assertThrows(IllegalArgumentException.class, () -> FrameTargets.fit(new TargetCodebook("toy", FrameTargetsTest::toy, 2, "toy"),
                List.of(new float[6400]), 16000, new int[] {19, 19}, 100, 1));
        assertThrows(IllegalArgumentException.class, () -> FrameTargets.fit(new TargetCodebook("toy", (x, r) -> new float[][] {{Float.NaN}}, 2, "toy"),
                List.of(new float[6400], new float[6400]), 16000, new int[] {1, 1}, 100, 1));
        assertThrows(IllegalArgumentException.class, () -> new TargetCodebook("Bad Name", FrameTargetsTest::toy, 2, "toy"));
    }
}
