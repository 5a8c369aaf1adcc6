package org.permerge.pretrain;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdamWTest {
    @Test
    void scheduleWarmsUpThenDecaysLinearly() {
        AdamW.Schedule s = new AdamW.Schedule(1e-3, 10, 110);
        assertEquals(1e-4, s.at(1), 1e-12);
        assertEquals(1e-3, s.at(10), 1e-12);
        assertEquals(0.5e-3, s.at(60), 1e-12);
        assertEquals(0.0, s.at(110), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new AdamW.Schedule(1e-3, 20, 10));
    }

    /** Reference: textbook AdamW in doubles, applied to loss = Σ c_i w_i² (+ a bias b with loss Σ c_i b_i). */
    @Test
    void matchesAScalarReferenceWithClippingAndDecoupledDecay() {
        double lr = 0.1, b1 = 0.9, b2 = 0.98, eps = 1e-6, wd = 0.01, clip = 1.0;
        double[] w = {1.0, -2.0, 0.5, 3.0};
        double[] bias = {0.3, -0.7};
        double[] cw = {1, 2, 3, 4};
        double[] cb = {0.5, -1.5};
        double[] mw = new double[4], vw = new double[4], mb = new double[2], vb = new double[2];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray W = m.create(new float[] {1.0f, -2.0f, 0.5f, 3.0f}, new Shape(2, 2));
            NDArray B = m.create(new float[] {0.3f, -0.7f});
            NDArray CW = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            NDArray CB = m.create(new float[] {0.5f, -1.5f});
            W.setRequiresGradient(true);
            B.setRequiresGradient(true);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w", W);
            params.put("b", B);
            AdamW opt = new AdamW(m.newSubManager(), new AdamW.Schedule(lr, 0, 1000), b1, b2, eps, wd, clip);
            for (int t = 1; t <= 3; t++) {
                try (NDManager scope = m.newSubManager()) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = W.square().mul(CW).sum().add(B.mul(CB).sum());
                        gc.backward(loss);
                    }
                    double norm = opt.update(scope, params);
                    double[] gw = new double[4], gb = new double[2];
                    double sq = 0;
                    for (int i = 0; i < 4; i++) { gw[i] = 2 * cw[i] * w[i]; sq += gw[i] * gw[i]; }
                    for (int i = 0; i < 2; i++) { gb[i] = cb[i]; sq += gb[i] * gb[i]; }
                    double refNorm = Math.sqrt(sq);
                    assertEquals(refNorm, norm, 1e-4 * refNorm);
                    double scale = refNorm > clip ? clip / (refNorm + 1e-6) : 1;
                    double lrT = lr * (1000 - t) / 1000.0;
                    for (int i = 0; i < 4; i++) {
                        double g = gw[i] * scale;
                        mw[i] = b1 * mw[i] + (1 - b1) * g;
                        vw[i] = b2 * vw[i] + (1 - b2) * g * g;
                        double upd = mw[i] / (1 - Math.pow(b1, t)) / (Math.sqrt(vw[i] / (1 - Math.pow(b2, t))) + eps);
                        w[i] = w[i] * (1 - lrT * wd) - lrT * upd;
                    }
                    for (int i = 0; i < 2; i++) {
                        double g = gb[i] * scale;
                        mb[i] = b1 * mb[i] + (1 - b1) * g;
                        vb[i] = b2 * vb[i] + (1 - b2) * g * g;
                        double upd = mb[i] / (1 - Math.pow(b1, t)) / (Math.sqrt(vb[i] / (1 - Math.pow(b2, t))) + eps);
                        bias[i] = bias[i] - lrT * upd; // no decay on vectors
                    }
                }
                float[] gotW = W.toFloatArray();
                float[] gotB = B.toFloatArray();
                for (int i = 0; i < 4; i++) assertEquals(w[i], gotW[i], 1e-5, "w[" + i + "] after step " + t);
                for (int i = 0; i < 2; i++) assertEquals(bias[i], gotB[i], 1e-5, "b[" + i + "] after step " + t);
                assertArrayEquals(new float[4], W.getGradient().toFloatArray(), "gradient zeroed after the update");
            }
        }
    }
}
