package org.permerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.pretrain.Initialization;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenBLAS inference path reproduces transformers' reference activations (every tap, both layouts) and the
 * DJL path on odd widths with a padded batch, with and without convolution bias; its approximations of erf and
 * exp hold to float32 accuracy.
 */
class BlasEncoderTest {

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void reproducesEveryReferenceTensor(String layout) {
        StateDict ref = HubertEncoderFixtureTest.reference(layout);
        EncoderCheckpoint ckpt = EncoderCheckpoint.load(Fixtures.hubertWeights(layout));
        try (BlasEncoder enc = BlasEncoder.create(ckpt.config(), ckpt.weights(), 2); NDManager scope = NDManager.newBaseManager()) {
            TapRecorder rec = new TapRecorder();
            EncoderOutput out = enc.forward(scope, ref.get("input_values").toNDArray(scope), null, rec);
            int checked = 0;
            for (String name : ref.names()) {
                if (name.equals("input_values")) continue;
                float[] actual;
                long[] shape;
                if (name.startsWith("tap.")) {
                    String tap = name.substring(4);
                    assertTrue(rec.values.containsKey(tap), "tap " + tap + " was not emitted");
                    actual = rec.values.get(tap);
                    shape = rec.shapes.get(tap);
                } else {
                    NDArray h = name.equals("last_hidden_state") ? out.lastHiddenState()
                            : out.hiddenStates().get(Integer.parseInt(name.substring("hidden_states.".length())));
                    actual = h.toFloatArray();
                    shape = h.getShape().getShape();
                }
                assertArrayEquals(ref.get(name).shape(), shape, name + " shape");
                HubertEncoderFixtureTest.assertClose(ref.get(name).toFloatArray(), actual, HubertEncoderFixtureTest.TOL, layout + " " + name);
                checked++;
            }
            assertEquals(ref.size() - 1, checked);
            assertEquals(Taps.all(enc.config()), List.copyOf(rec.values.keySet()), "tap emission order");
        }
    }

    /** Hidden 72, conv 48, 6 heads of 12, positional conv kernel 16 in 4 groups of 18: no width a multiple of 16. */
    static EncoderConfig oddConfig(String norm, boolean stable, boolean convBias) {
        return new EncoderConfig(new int[] {48, 48, 48, 48}, new int[] {10, 3, 3, 2}, new int[] {5, 2, 2, 2}, convBias, norm,
                72, 3, 6, 136, 16, 4, 1e-5, stable, "hubert");
    }

    @ParameterizedTest
    @ValueSource(strings = {"group,false,false", "group,false,true", "layer,true,true", "layer,false,false", "group,true,false"})
    void equalsTheDjlPathOnOddWidthsWithPadding(String variant) {
        String[] v = variant.split(",");
        EncoderConfig cfg = oddConfig(v[0], Boolean.parseBoolean(v[1]), Boolean.parseBoolean(v[2]));
        StateDict weights = Initialization.random(cfg, 5);
        Random r = new Random(3);
        // Weight scales near 1 make the layers mix strongly, so that a wrong index would show.
        for (String name : weights.names()) {
            Tensor t = weights.get(name);
            float[] x = t.toFloatArray();
            for (int i = 0; i < x.length; i++) x[i] += (float) (0.05 * r.nextGaussian());
            weights.put(name, Tensor.ofFloats(t.shape(), x));
        }
        List<float[]> clips = List.of(HubertEncoderPaddingTest.noise(r, 6000), HubertEncoderPaddingTest.noise(r, 3100),
                HubertEncoderPaddingTest.noise(r, 4455));
        EncoderBackend before = EncoderBackend.chosen();
        try (HubertEncoder djl = HubertEncoder.create(cfg, weights); BlasEncoder blas = BlasEncoder.create(cfg, weights, 2);
             NDManager scope = NDManager.newBaseManager()) {
            EncoderBackend.choose(EncoderBackend.DJL);
            TapRecorder djlTaps = new TapRecorder(false);
            EncoderOutput expected = djl.forward(scope, clips, djlTaps);
            TapRecorder blasTaps = new TapRecorder(false);
            EncoderOutput actual = blas.forward(scope, paddedInput(scope, clips), lengths(clips), blasTaps);
            assertArrayEquals(expected.frames(), actual.frames());
            assertArrayEquals(expected.frameMask().toBooleanArray(), actual.frameMask().toBooleanArray());
            assertEquals(expected.hiddenStates().size(), actual.hiddenStates().size());
            for (int k = 0; k < expected.hiddenStates().size(); k++) {
                assertRelativelyClose(expected.hiddenStates().get(k).toFloatArray(), actual.hiddenStates().get(k).toFloatArray(),
                        variant + " hidden_states." + k);
            }
            assertRelativelyClose(expected.lastHiddenState().toFloatArray(), actual.lastHiddenState().toFloatArray(), variant + " last");
            assertEquals(List.copyOf(djlTaps.values.keySet()), List.copyOf(blasTaps.values.keySet()), "tap emission order");
            for (Map.Entry<String, float[]> e : djlTaps.values.entrySet()) {
                String tap = e.getKey();
                assertArrayEquals(djlTaps.shapes.get(tap), blasTaps.shapes.get(tap), tap + " shape");
                assertArrayEquals(djlTaps.masks.get(tap), blasTaps.masks.get(tap), tap + " mask");
                assertRelativelyClose(e.getValue(), blasTaps.values.get(tap), variant + " tap " + tap);
            }
        } finally {
            EncoderBackend.choose(before);
        }
    }

    @Test
    void hubertEncoderInfersOnBlasUntilItsParametersAreHandedOut() {
        EncoderConfig cfg = oddConfig("group", false, false);
        StateDict weights = Initialization.random(cfg, 8);
        List<float[]> clips = List.of(HubertEncoderPaddingTest.noise(new Random(2), 3000));
        EncoderBackend before = EncoderBackend.chosen();
        try (HubertEncoder enc = HubertEncoder.create(cfg, weights); BlasEncoder blas = BlasEncoder.create(cfg, weights, 1);
             NDManager scope = NDManager.newBaseManager()) {
            EncoderBackend.choose(EncoderBackend.BLAS);
            float[] viaHubert = enc.forward(scope, clips, null).lastHiddenState().toFloatArray();
            float[] direct = blas.forward(scope, paddedInput(scope, clips), null, null).lastHiddenState().toFloatArray();
            assertArrayEquals(direct, viaHubert, 0f, "HubertEncoder.forward on the BLAS backend is BlasEncoder's forward");
            // A trainer updates the live parameters in place; inference must see the change.
            NDArray bias = enc.parameters().get("encoder.layer_norm.bias");
            bias.addi(1f);
            float[] after = enc.forward(scope, clips, null).lastHiddenState().toFloatArray();
            EncoderBackend.choose(EncoderBackend.DJL);
            float[] djl = enc.forward(scope, clips, null).lastHiddenState().toFloatArray();
            assertArrayEquals(djl, after, 0f, "after parameters() the encoder infers on its live DJL parameters");
        } finally {
            EncoderBackend.choose(before);
        }
    }

    @Test
    void backendNamesParseAndABadOneIsNamed() {
        assertEquals(EncoderBackend.AUTO, EncoderBackend.parse(null));
        assertEquals(EncoderBackend.AUTO, EncoderBackend.parse(" Auto "));
        assertEquals(EncoderBackend.BLAS, EncoderBackend.parse("blas"));
        assertEquals(EncoderBackend.DJL, EncoderBackend.parse("DJL"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncoderBackend.parse("mkl"));
        assertTrue(e.getMessage().contains("PERMERGE_ENCODER") && e.getMessage().contains("mkl"), e.getMessage());
    }

    @Test
    void badInputIsRefusedByName() {
        EncoderConfig cfg = oddConfig("group", false, false);
        StateDict weights = Initialization.random(cfg, 1);
        try (BlasEncoder enc = BlasEncoder.create(cfg, weights, 1)) {
            float[] nan = new float[2000];
            nan[1500] = Float.NaN;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> enc.forward(nan, 1, 2000, null, null));
            assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("sample 1500"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> enc.forward(new float[4000], 2, 2000, new int[] {2000, 50}, null));
            assertTrue(e.getMessage().contains("clip 1") && e.getMessage().contains("too short"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> enc.forward(new float[3999], 2, 2000, null, null));
            assertTrue(e.getMessage().contains("2 x 2000"), e.getMessage());
        }
        weights.put("encoder.layer_norm.bias", Tensor.ofFloats(new long[] {71}, new float[71]));
        RuntimeException e = assertThrows(RuntimeException.class, () -> BlasEncoder.create(cfg, weights, 1));
        assertTrue(e.getMessage().contains("encoder.layer_norm.bias"), e.getMessage());
    }

    @Test
    void erfGeluAndExpHoldToFloatAccuracy() {
        double worstErf = 0;
        double worstGelu = 0;
        for (int i = -60000; i <= 60000; i++) {
            float x = i * 1e-4f;
            worstErf = Math.max(worstErf, Math.abs(BlasEncoder.erf(x) - Erf.erf(x)));
            double gelu = 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            worstGelu = Math.max(worstGelu, Math.abs(BlasEncoder.gelu(x) - gelu) / Math.max(1, Math.abs(gelu)));
        }
        assertTrue(worstErf < 5e-7, "erf max abs error " + worstErf);
        // near x = -5.6 GELU is x/2 times 1 + erf, a float cancellation: about 1e-6 absolute, as in float32 torch
        assertTrue(worstGelu < 2e-6, "gelu max error " + worstGelu);
        assertEquals(1f, BlasEncoder.erf(9f));
        assertEquals(-1f, BlasEncoder.erf(-30f));
        double worstExp = 0;
        for (int i = 0; i <= 870000; i++) {
            float x = -i * 1e-4f;
            double e = Math.exp(x);
            worstExp = Math.max(worstExp, Math.abs(BlasEncoder.expNonPositive(x) - e) / e);
        }
        assertTrue(worstExp < 1e-6, "exp max relative error " + worstExp);
        assertEquals(0f, BlasEncoder.expNonPositive(-1e9f), 1e-37f);
        float[] row = {1f, 2f, 3f, -1e9f};
        BlasEncoder.softmax(row, 4);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(3) / z, row[2], 1e-7);
        assertEquals(0f, row[3], 1e-30f);
    }

    static void assertRelativelyClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (float f : expected) scale = Math.max(scale, Math.abs(f));
        double tol = 1e-4 * Math.max(scale, 1e-3);
        HubertEncoderFixtureTest.assertClose(expected, actual, tol, what + " (scale " + scale + ")");
    }

    static NDArray paddedInput(NDManager scope, List<float[]> clips) {
        int[] len = lengths(clips);
        int n = 0;
        for (int l : len) n = Math.max(n, l);
        float[] flat = new float[clips.size() * n];
        for (int b = 0; b < len.length; b++) System.arraycopy(clips.get(b), 0, flat, b * n, len[b]);
        return scope.create(flat, new Shape(len.length, n));
    }

    static int[] lengths(List<float[]> clips) {
        int[] len = new int[clips.size()];
        for (int b = 0; b < len.length; b++) len[b] = clips.get(b).length;
        return len;
    }

    /** The fixture's weights file. */
    private static final class Fixtures {
        static java.nio.file.Path hubertWeights(String layout) {
            return org.permerge.testing.Fixtures.hubert(layout).resolve("model.safetensors");
        }
    }
}
