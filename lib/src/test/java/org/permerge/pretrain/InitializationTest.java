package org.permerge.pretrain;

import org.junit.jupiter.api.Test;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.EncoderConfig;
import org.permerge.model.ParameterLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitializationTest {
    @Test
    void miniArchitectureIsHubertBaseScaledDownUnderTwoMillionParameters() {
        EncoderConfig c = MiniArchitecture.config();
        assertEquals("group-norm CNN + post-LN transformer", c.layoutName());
        assertEquals(320, c.totalStride());
        assertEquals(49, c.framesFor(16000));
        long n = MiniArchitecture.parameterCount(c);
        assertTrue(n <= 2_000_000, "parameters " + n);
        assertTrue(n * 4 < 8_000_000, "float32 bytes " + n * 4);
    }

    @Test
    void everyLayoutTensorWithItsShapeAndHubertStatistics() {
        EncoderConfig c = MiniArchitecture.config();
        StateDict sd = Initialization.random(c, 42);
        Map<String, long[]> layout = ParameterLayout.expectedShapes(c);
        assertEquals(new ArrayList<>(layout.keySet()), new ArrayList<>(sd.names()));
        for (var e : layout.entrySet()) assertArrayEquals(e.getValue(), sd.get(e.getKey()).shape(), e.getKey());
        assertEquals(0.02, std(sd.get("encoder.layers.0.feed_forward.intermediate_dense.weight").toFloatArray()), 0.001);
        assertEquals(Math.sqrt(2.0 / (64 * 3)), std(sd.get("feature_extractor.conv_layers.1.conv.weight").toFloatArray()), 0.003);
        for (float v : sd.get("encoder.layers.2.final_layer_norm.weight").toFloatArray()) assertEquals(1f, v);
        for (float v : sd.get("encoder.layers.2.attention.q_proj.bias").toFloatArray()) assertEquals(0f, v);
        for (float v : sd.get("masked_spec_embed").toFloatArray()) assertTrue(v >= 0 && v < 1);
        // weight norm: g[k] = ‖v[:, :, k]‖, so the effective weight equals v
        float[] g = sd.get(ParameterLayout.POS_CONV_G).toFloatArray();
        float[] v = sd.get(ParameterLayout.POS_CONV_V).toFloatArray();
        long[] s = sd.get(ParameterLayout.POS_CONV_V).shape();
        int k = (int) s[2];
        for (int t = 0; t < k; t++) {
            double sq = 0;
            for (int i = t; i < v.length; i += k) sq += v[i] * v[i];
            assertEquals(Math.sqrt(sq), g[t], 1e-4 * g[t]);
        }
    }

    @Test
    void seedsDecideTheWeights() {
        EncoderConfig c = MiniArchitecture.config(8, 16, 1, 2, 32, 4, 2);
        String name = "encoder.layers.0.attention.k_proj.weight";
        assertArrayEquals(Initialization.random(c, 1).get(name).toFloatArray(), Initialization.random(c, 1).get(name).toFloatArray());
        assertFalse(java.util.Arrays.equals(Initialization.random(c, 1).get(name).toFloatArray(), Initialization.random(c, 2).get(name).toFloatArray()));
    }

    private static double std(float[] x) {
        double s = 0, q = 0;
        for (float v : x) { s += v; q += v * v; }
        double m = s / x.length;
        return Math.sqrt(q / x.length - m * m);
    }
}
