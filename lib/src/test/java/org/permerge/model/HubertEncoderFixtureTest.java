package org.permerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.testing.Fixtures;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every tensor of transformers' reference forward pass is reproduced within 1e-4 for both layouts. */
class HubertEncoderFixtureTest {
    static final double TOL = 1e-4;

    static HubertEncoder load(String layout) {
        return load(layout, "model.safetensors");
    }

    static HubertEncoder load(String layout, String weightsFile) {
        return HubertEncoder.create(EncoderCheckpoint.load(Fixtures.hubert(layout).resolve(weightsFile)));
    }

    static StateDict reference(String layout) {
        return SafeTensors.read(Fixtures.hubert(layout).resolve("reference-activations.safetensors"));
    }

    @ParameterizedTest
    @CsvSource({"hubert-tiny-base, model.safetensors", "hubert-tiny-base, legacy-keys.safetensors",
            "hubert-tiny-base, legacy-keys.pytorch_model.bin", "hubert-tiny-large, model.safetensors",
            "hubert-tiny-large, legacy-keys.safetensors", "hubert-tiny-large, legacy-keys.pytorch_model.bin"})
    void reproducesEveryReferenceTensor(String layout, String weightsFile) {
        StateDict ref = reference(layout);
        try (HubertEncoder enc = load(layout, weightsFile); NDManager scope = NDManager.newBaseManager()) {
            TapRecorder rec = new TapRecorder();
            NDArray input = ref.get("input_values").toNDArray(scope);
            EncoderOutput out = enc.forward(scope, input, null, rec);
            int checked = 0;
            for (String name : ref.names()) {
                if (name.equals("input_values")) continue;
                Tensor expected = ref.get(name);
                float[] actual;
                long[] shape;
                if (name.startsWith("tap.")) {
                    String tap = name.substring(4);
                    assertTrue(rec.values.containsKey(tap), "tap " + tap + " was not emitted");
                    actual = rec.values.get(tap);
                    shape = rec.shapes.get(tap);
                } else if (name.equals("last_hidden_state")) {
                    actual = out.lastHiddenState().toFloatArray();
                    shape = out.lastHiddenState().getShape().getShape();
                } else {
                    int k = Integer.parseInt(name.substring("hidden_states.".length()));
                    NDArray h = out.hiddenStates().get(k);
                    actual = h.toFloatArray();
                    shape = h.getShape().getShape();
                    assertArrayEquals(actual, rec.values.get(Taps.hiddenState(k)), 0f, name + " as a tap");
                }
                assertArrayEquals(expected.shape(), shape, name + " shape");
                assertClose(expected.toFloatArray(), actual, TOL, layout + "/" + weightsFile + " " + name);
                checked++;
            }
            assertEquals(ref.size() - 1, checked);
            assertEquals(enc.config().numHiddenLayers() + 1, out.hiddenStates().size());
            assertArrayEquals(new int[] {12, 12}, out.frames());
            assertEquals(Taps.all(enc.config()), List.copyOf(rec.values.keySet()), "tap emission order");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void outProjInputTapReproducesOutProjThroughItsWeights(String layout) {
        StateDict ref = reference(layout);
        StateDict weights = SafeTensors.read(Fixtures.hubert(layout).resolve("model.safetensors"));
        try (HubertEncoder enc = load(layout); NDManager scope = NDManager.newBaseManager()) {
            TapRecorder rec = new TapRecorder();
            enc.forward(scope, ref.get("input_values").toNDArray(scope), null, rec);
            for (int l = 0; l < enc.config().numHiddenLayers(); l++) {
                String p = "encoder.layers." + l + ".attention.out_proj.";
                NDArray ctx = scope.create(rec.values.get(Taps.outProjInput(l)), new Shape(rec.shapes.get(Taps.outProjInput(l))));
                NDArray projected = ctx.matMul(weights.get(p + "weight").toNDArray(scope).transpose())
                        .add(weights.get(p + "bias").toNDArray(scope));
                assertClose(ref.get("tap." + Taps.outProj(l)).toFloatArray(), projected.toFloatArray(), TOL, layout + " out_proj(input) layer " + l);
                // the FFN act tap is GELU of the intermediate tap, with erf: checked against Java's own erf-free formula
                float[] pre = rec.values.get(Taps.intermediateDense(l));
                float[] act = rec.values.get(Taps.intermediateAct(l));
                for (int i = 0; i < pre.length; i++) assertEquals(geluExact(pre[i]), act[i], 1e-6, "gelu at " + i);
            }
        }
    }

    /** x·Φ(x) with Φ from a high-precision series (independent of any library's erf). */
    static double geluExact(double x) {
        return x * normalCdf(x);
    }

    static double normalCdf(double x) {
        // Φ(x) = 1/2 + φ(x)·Σ x^(2n+1)/(1·3·…·(2n+1)), converges for all x; |x| here is small.
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= x * x / (2 * n + 1);
            sum += term;
            if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
        }
        return 0.5 + Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * sum;
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= tol, what + ": max abs difference " + worst + " at " + at + " (expected "
                + (at < 0 ? "" : expected[at] + ", got " + actual[at]) + ")");
    }

    static void assertSameShape(long[] a, long[] b) {
        assertTrue(Arrays.equals(a, b), Arrays.toString(a) + " vs " + Arrays.toString(b));
    }
}
