package org.permerge.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StatisticsSummaryTest {

    @Test
    void identityOrderCorrelationIsOneForACopyAndMinusOneForItsNegation() {
        Random r = new Random(11);
        float[] x = new float[200 * 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(x, new ai.djl.ndarray.types.Shape(200, 3));
            CrossCorrelation copy = new CrossCorrelation(3, 3);
            copy.update(a, a);
            assertEquals(1.0, StatisticsSummary.meanDiagonal(copy), 1e-9);
            CrossCorrelation negated = new CrossCorrelation(3, 3);
            negated.update(a, a.neg());
            assertEquals(-1.0, StatisticsSummary.meanDiagonal(negated), 1e-9);
        }
    }
}
