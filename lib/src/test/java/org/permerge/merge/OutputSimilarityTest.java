package org.permerge.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.testing.Fixtures;

class OutputSimilarityTest {

    @Test
    void meanCosineOfKnownRows() {
        float[][] x = {{1, 0}, {3, 4}, {0, 2}};
        float[][] y = {{0, 5}, {-6, -8}, {0, 1}};
        // orthogonal, opposite, parallel: (0 - 1 + 1) / 3
        assertEquals(0.0, OutputSimilarity.meanCosine(x, y), 1e-12);
        assertEquals(1.0, OutputSimilarity.meanCosine(x, x), 1e-12);
        // a zero row has no direction and counts as 0
        assertEquals(2.0 / 3, OutputSimilarity.meanCosine(new float[][] {{0, 0}, {1, 1}, {2, 0}}, new float[][] {{1, 1}, {1, 1}, {2, 0}}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> OutputSimilarity.meanCosine(x, new float[2][2]));
    }

    @Test
    void lastHiddenStateKeepsEveryRealFrameOfEveryClip() {
        EncoderCheckpoint model = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        Random r = new Random(3);
        float[] a = new float[4000];
        float[] b = new float[2400];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        float[][] both = OutputSimilarity.lastHiddenState(model, List.of(a, b));
        int framesA = OutputSimilarity.lastHiddenState(model, List.of(a)).length;
        int framesB = OutputSimilarity.lastHiddenState(model, List.of(b)).length;
        assertEquals(framesA + framesB, both.length, "padding frames of the shorter clip must be dropped");
        assertEquals(model.config().hiddenSize(), both[0].length);
        assertEquals(1.0, OutputSimilarity.meanCosine(both, OutputSimilarity.lastHiddenState(model, List.of(a, b))), 1e-9);
    }
}
