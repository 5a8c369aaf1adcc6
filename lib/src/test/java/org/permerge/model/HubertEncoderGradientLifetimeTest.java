package org.permerge.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.permerge.checkpoint.StateDict;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * forwardTrain's graph keeps nothing in Java memory that a GC may free before the backward pass (issue 14:
 * 1.7e35 / NaN gradients, rarely, under load). Between forward and backward the input is closed, garbage is
 * collected and the freed blocks are reused with poison; every gradient must equal the undisturbed run's bit
 * for bit.
 */
class HubertEncoderGradientLifetimeTest {
    @ParameterizedTest
    @CsvSource({"hubert-tiny-base, MATMUL", "hubert-tiny-base, LIBTORCH", "hubert-tiny-large, LIBTORCH"})
    void gradientsDoNotReadFreedJavaMemory(String layout, Convolution1d.Route route) {
        // libtorch's convolution saves conv block 0's input itself; unfold + matmul saves a stacked copy
        Convolution1d.Route before = Convolution1d.route();
        Convolution1d.setRoute(route);
        try {
            check(layout);
        } finally {
            Convolution1d.setRoute(before);
        }
    }

    private static void check(String layout) {
        Random r = new Random(3);
        // a padded batch: the group-norm layout then normalises each clip over its own frames
        float[] audio = HubertEncoderPaddingTest.noise(r, 2 * 2400);
        int[] lengths = {2400, 1700};
        StateDict weights;
        EncoderConfig config;
        try (HubertEncoder enc = HubertEncoderFixtureTest.load(layout)) {
            weights = enc.toStateDict();
            config = enc.config();
        }
        int t = config.framesFor(2400);
        boolean[] mask = new boolean[2 * t];
        for (int i = 0; i < mask.length; i += 3) mask[i] = true;
        float[] w = HubertEncoderPaddingTest.noise(r, 2 * t * config.hiddenSize());

        Map<String, float[]> expected = gradients(config, weights, audio, lengths, mask, w, false);
        for (int it = 0; it < 4; it++) {
            Map<String, float[]> got = gradients(config, weights, audio, lengths, mask, w, true);
            for (Map.Entry<String, float[]> e : expected.entrySet()) {
                assertArrayEquals(e.getValue(), got.get(e.getKey()), 0f, layout + " iteration " + it + " d/d" + e.getKey());
            }
        }
    }

    /** Every parameter's gradient of sum(w · h · frameMask); with {@code disturb}, memory is freed and reused first. */
    private static Map<String, float[]> gradients(EncoderConfig config, StateDict weights, float[] audio, int[] lengths,
                                                  boolean[] mask, float[] w, boolean disturb) {
        try (HubertEncoder enc = HubertEncoder.create(config, weights); NDManager scope = NDManager.newBaseManager()) {
            for (NDArray p : enc.parameters().values()) p.setRequiresGradient(true);
            List<ByteBuffer> held = null;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = scope.create(audio, new Shape(2, audio.length / 2));
                NDArray m = scope.create(mask, new Shape(2, mask.length / 2));
                EncoderOutput out = enc.forwardTrain(scope, x, lengths, m);
                NDArray h = out.lastHiddenState();
                NDArray keep = out.frameMask().toType(DataType.FLOAT32, false).expandDims(2);
                NDArray loss = h.mul(scope.create(w, h.getShape())).mul(keep).sum();
                if (disturb) {
                    x.close();
                    m.close();
                    held = FreedJavaMemory.freeAndPoison();
                }
                gc.backward(loss);
            }
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : enc.parameters().entrySet()) {
                grads.put(e.getKey(), e.getValue().getGradient().toFloatArray());
            }
            if (held != null) held.clear();
            return grads;
        }
    }
}
