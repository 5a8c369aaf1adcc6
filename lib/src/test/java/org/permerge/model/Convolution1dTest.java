package org.permerge.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The protected convolution equals the float64 brute force, values and both gradients, at the widths where
 * libtorch 2.7.1's oneDNN miscomputes on some AVX-512 CPUs (20, 24, 28, 36, 40, odd, grouped).
 */
class Convolution1dTest {
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest(name = "C{1}->{2} K{3} s{4} p{5} g{6}")
    @CsvSource({
            // B, C_in, C_out, K, stride, padding, groups, T
            "2, 20, 24, 3, 2, 0, 1, 301",
            "2, 24, 20, 4, 2, 0, 1, 400",
            "2, 28, 28, 3, 2, 0, 1, 200",
            "2, 36, 40, 2, 2, 0, 1, 200",
            "2, 40, 40, 3, 2, 0, 1, 200",
            "2, 48, 80, 3, 2, 0, 1, 150",
            "2, 17, 33, 5, 3, 2, 1, 120",
            "1, 33, 7, 7, 1, 3, 1, 64",
            "2, 1, 24, 8, 4, 0, 1, 999",
            "2, 48, 48, 12, 1, 6, 6, 80",
            "2, 36, 36, 7, 1, 3, 4, 50",
            "2, 192, 192, 32, 1, 16, 16, 40",
            "2, 27, 45, 6, 1, 3, 9, 41",
            "3, 64, 64, 3, 2, 0, 1, 101",
    })
    void protectedConvolutionEqualsBruteForceWithGradients(int b, int cin, int cout, int k, int stride, int pad, int groups, int t) {
        PlainConvolution plain = new PlainConvolution(b, cin, cout, k, stride, pad, groups, t);
        Random r = new Random(31L * cin + cout + k);
        float[] x = HubertEncoderPaddingTest.noise(r, b * cin * t);
        float[] w = HubertEncoderPaddingTest.noise(r, cout * (cin / groups) * k);
        float[] bias = HubertEncoderPaddingTest.noise(r, cout);
        float[] weights = HubertEncoderPaddingTest.noise(r, b * cout * plain.outLength());
        double[] y = plain.forward(x, w, bias);
        double[][] grads = plain.gradients(x, w, weights);
        for (Convolution1d.Route route : new Convolution1d.Route[] {Convolution1d.Route.AUTO, Convolution1d.Route.MATMUL}) {
            Convolution1d.Route before = Convolution1d.route();
            Convolution1d.setRoute(route);
            try (NDManager m = NDManager.newBaseManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray xa = m.create(x, new Shape(b, cin, t));
                NDArray wa = m.create(w, new Shape(cout, cin / groups, k));
                xa.setRequiresGradient(true);
                wa.setRequiresGradient(true);
                NDArray out = Convolution1d.conv1d(xa, wa, m.create(bias), stride, pad, groups);
                assertEquals(new Shape(b, cout, plain.outLength()), out.getShape());
                assertClose(y, out.toFloatArray(), route + " forward");
                gc.backward(out.mul(m.create(weights, out.getShape())).sum());
                assertClose(grads[0], xa.getGradient().toFloatArray(), route + " d/dx");
                assertClose(grads[1], wa.getGradient().toFloatArray(), route + " d/dw");
            } finally {
                Convolution1d.setRoute(before);
            }
        }
    }

    @Test
    void matmulFormulationIsBitForBitRepeatableAndNeedsNoBias() {
        Random r = new Random(5);
        float[] x = HubertEncoderPaddingTest.noise(r, 2 * 20 * 200);
        float[] w = HubertEncoderPaddingTest.noise(r, 24 * 20 * 3);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray xa = m.create(x, new Shape(2, 20, 200));
            NDArray wa = m.create(w, new Shape(24, 20, 3));
            float[] first = Convolution1d.byMatmul(xa, wa, null, 2, 1, 1).toFloatArray();
            float[] second = Convolution1d.byMatmul(xa, wa, null, 2, 1, 1).toFloatArray();
            assertTrue(java.util.Arrays.equals(first, second), "two runs differ");
            assertClose(new PlainConvolution(2, 20, 24, 3, 2, 1, 1, 200).forward(x, w, null), first, "no bias");
        }
    }

    @Test
    void libtorchIsKeptOnlyWhereNoChannelBlockIsPadded() {
        assertTrue(Convolution1d.libtorchTrusted(512, 512, 1), "HuBERT CNN");
        assertTrue(Convolution1d.libtorchTrusted(1, 512, 1), "HuBERT CNN block 0");
        assertTrue(Convolution1d.libtorchTrusted(64, 64, 1), "mini CNN");
        assertTrue(Convolution1d.libtorchTrusted(768, 768, 16), "grouped positional conv");
        assertFalse(Convolution1d.libtorchTrusted(20, 24, 1));
        assertFalse(Convolution1d.libtorchTrusted(48, 64, 1), "48: the input-gradient kernel pads 32-blocks");
        assertFalse(Convolution1d.libtorchTrusted(64, 40, 1));
        assertFalse(Convolution1d.libtorchTrusted(1, 24, 1));
    }

    @Test
    void routeComesFromTheEnvironmentValueAndRejectsOthers() {
        assertEquals(Convolution1d.Route.AUTO, Convolution1d.parseRoute(null));
        assertEquals(Convolution1d.Route.MATMUL, Convolution1d.parseRoute(" MatMul "));
        assertEquals(Convolution1d.Route.LIBTORCH, Convolution1d.parseRoute("libtorch"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Convolution1d.parseRoute("fast"));
        assertTrue(e.getMessage().contains("PERMERGE_CONV") && e.getMessage().contains("fast"), e.getMessage());
    }

    @Test
    void mismatchedShapesAreRefusedByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.zeros(new Shape(1, 20, 50));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Convolution1d.byMatmul(x, m.zeros(new Shape(8, 10, 3)), null, 1, 0, 1));
            assertTrue(e.getMessage().contains("groups 1"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Convolution1d.byMatmul(x, m.zeros(new Shape(8, 20, 60)), null, 1, 0, 1));
        }
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertTrue(worst <= TOLERANCE * scale, what + ": max error " + worst + " against largest value " + scale);
    }
}
