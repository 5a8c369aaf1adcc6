package org.permerge.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** forwardTrain: masked frames take masked_spec_embed, and gradients agree with finite differences. */
class HubertEncoderTrainTest {
    static final List<String> CHECKED = List.of("masked_spec_embed", ParameterLayout.POS_CONV_G, ParameterLayout.POS_CONV_V,
            "feature_extractor.conv_layers.0.conv.weight", "feature_projection.layer_norm.weight",
            "encoder.layers.0.attention.q_proj.weight", "encoder.layers.1.feed_forward.intermediate_dense.bias");

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void fullyMaskedClipsForgetTheirAudioAndUnmaskedEqualsInference(String layout) {
        Random r = new Random(1);
        try (HubertEncoder enc = HubertEncoderFixtureTest.load(layout); NDManager scope = NDManager.newBaseManager()) {
            NDArray x = scope.create(HubertEncoderPaddingTest.noise(r, 2 * 3000), new Shape(2, 3000));
            int t = enc.framesFor(new int[] {3000})[0];
            boolean[] all = new boolean[2 * t];
            java.util.Arrays.fill(all, true);
            NDArray last = enc.forwardTrain(scope, x, null, scope.create(all, new Shape(2, t))).lastHiddenState();
            float[] v = last.toFloatArray();
            // every frame replaced by the same embedding: both clips now give the same output
            float[] first = java.util.Arrays.copyOfRange(v, 0, v.length / 2);
            float[] second = java.util.Arrays.copyOfRange(v, v.length / 2, v.length);
            assertArrayEquals(first, second, 1e-5f);
            float[] noMask = enc.forwardTrain(scope, x, null, null).lastHiddenState().toFloatArray();
            // the DJL inference path is the training path without a mask, bit for bit; the BLAS one agrees within float32
            EncoderBackend backend = EncoderBackend.chosen();
            float[] plain;
            float[] onBlas;
            try {
                EncoderBackend.choose(EncoderBackend.DJL);
                plain = enc.forward(scope, x, null, null).lastHiddenState().toFloatArray();
                EncoderBackend.choose(EncoderBackend.BLAS);
                onBlas = enc.forward(scope, x, null, null).lastHiddenState().toFloatArray();
            } finally {
                EncoderBackend.choose(backend);
            }
            assertArrayEquals(plain, noMask, 0f);
            BlasEncoderTest.assertRelativelyClose(plain, onBlas, layout + " inference on BLAS");
            assertTrue(Math.abs(plain[0] - v[0]) > 1e-4, "masking changed nothing");
        }
    }

    @Test
    void aMaskThatIsNotBooleanIsRefusedByName() {
        try (HubertEncoder enc = HubertEncoderFixtureTest.load("hubert-tiny-base"); NDManager scope = NDManager.newBaseManager()) {
            NDArray x = scope.create(HubertEncoderPaddingTest.noise(new Random(4), 2 * 3000), new Shape(2, 3000));
            int t = enc.framesFor(new int[] {3000})[0];
            NDArray floatMask = scope.zeros(new Shape(2, t));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> enc.forwardTrain(scope, x, null, floatMask));
            assertTrue(e.getMessage().contains("mask_time_indices") && e.getMessage().contains("boolean"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void gradientsMatchFiniteDifferences(String layout) {
        Random r = new Random(2);
        float[] audio = HubertEncoderPaddingTest.noise(r, 2 * 2400);
        int[] lengths = {2400, 1700};
        try (HubertEncoder enc = HubertEncoderFixtureTest.load(layout); NDManager scope = NDManager.newBaseManager()) {
            int t = enc.framesFor(new int[] {2400})[0];
            boolean[] maskData = new boolean[2 * t];
            for (int i = 0; i < maskData.length; i += 3) maskData[i] = true;
            float[] weightsOfLoss = HubertEncoderPaddingTest.noise(r, 2 * t * enc.config().hiddenSize());
            assertGradientsMatchFiniteDifferences(enc, scope, r, CHECKED, audio, lengths, maskData, weightsOfLoss, t, 1e-2,
                    1e-2, 2e-3, layout);
        }
    }

    /**
     * For each parameter, the gradient of {@link #loss} along a random direction equals the central difference of
     * step eps within relTol · |difference| + absTol.
     */
    static void assertGradientsMatchFiniteDifferences(HubertEncoder enc, NDManager scope, Random r, List<String> params,
            float[] audio, int[] lengths, boolean[] mask, float[] weightsOfLoss, int t, double eps, double relTol,
            double absTol, String label) {
        for (String p : params) enc.parameters().get(p).setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(loss(enc, scope, audio, lengths, mask, weightsOfLoss, t));
        }
        StateDict base = enc.toStateDict();
        for (String p : params) {
            float[] grad = enc.parameters().get(p).getGradient().toFloatArray();
            float[] u = HubertEncoderPaddingTest.noise(r, grad.length);
            double analytic = 0;
            for (int i = 0; i < u.length; i++) analytic += grad[i] * (double) u[i];
            double plus = lossOf(base, enc.config(), p, u, eps, audio, lengths, mask, weightsOfLoss, t);
            double minus = lossOf(base, enc.config(), p, u, -eps, audio, lengths, mask, weightsOfLoss, t);
            double numeric = (plus - minus) / (2 * eps);
            assertEquals(numeric, analytic, relTol * Math.abs(numeric) + absTol, label + " d/d" + p);
        }
    }

    private static NDArray loss(HubertEncoder enc, NDManager scope, float[] audio, int[] lengths, boolean[] mask,
                                float[] w, int t) {
        NDArray x = scope.create(audio, new Shape(2, audio.length / 2));
        EncoderOutput out = enc.forwardTrain(scope, x, lengths, scope.create(mask, new Shape(2, t)));
        // only real frames count: padding frames carry no meaning
        NDArray keep = out.frameMask().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).expandDims(2);
        return out.lastHiddenState().mul(scope.create(w, out.lastHiddenState().getShape())).mul(keep).sum();
    }

    private static double lossOf(StateDict base, EncoderConfig cfg, String p, float[] u, double eps, float[] audio,
                                 int[] lengths, boolean[] mask, float[] w, int t) {
        StateDict sd = new StateDict(base.tensors());
        float[] v = base.get(p).toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] += (float) (eps * u[i]);
        sd.put(p, Tensor.ofFloats(base.get(p).shape(), v));
        try (HubertEncoder enc = HubertEncoder.create(cfg, sd); NDManager scope = NDManager.newBaseManager()) {
            return loss(enc, scope, audio, lengths, mask, w, t).getFloat();
        }
    }
}
