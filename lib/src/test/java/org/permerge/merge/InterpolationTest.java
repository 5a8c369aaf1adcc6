package org.permerge.merge;

import org.junit.jupiter.api.Test;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.model.EncoderConfig;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;
import org.permerge.testing.Fixtures;

import java.util.ArrayList;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class InterpolationTest {
    private final EncoderConfig config = EncoderConfig.read(Fixtures.hubert("hubert-tiny-base").resolve("config.json"));
    private final StateDict a = SafeTensors.read(Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors"));
    private final StateDict b = perturbed(a, 0.3, 5);
    private final PermutationSpec spec = PermutationSpec.hubert(config);
    private final Permutations perms = Permutations.random(config, new ArrayList<>(spec.spaces().keySet()), 9);

    @Test
    void lambdaOneIsAExactlyAndLambdaZeroIsPermutedB() {
        StateDict one = Interpolation.interpolate(spec, a, b, perms, Lambda.global(1));
        StateDict zero = Interpolation.interpolate(spec, a, b, perms, Lambda.global(0));
        StateDict pb = spec.apply(b, perms);
        for (String n : a.names()) {
            assertArrayEquals(a.get(n).toFloatArray(), one.get(n).toFloatArray(), n);
            assertArrayEquals(pb.get(n).toFloatArray(), zero.get(n).toFloatArray(), n);
        }
        assertEquals(a.names(), one.names());
    }

    @Test
    void perComponentLambdaWeighsEachTensorByItsComponent() {
        Lambda l = Lambda.parse("cnn=0.25,ffn=0.75,default=0.5");
        StateDict m = Interpolation.interpolate(spec, a, b, perms, l);
        StateDict pb = spec.apply(b, perms);
        for (String n : a.names()) {
            double lam = n.contains("conv_layers") && n.contains(".conv.") ? 0.25 : n.contains("feed_forward") ? 0.75 : 0.5;
            float[] x = a.get(n).toFloatArray(), y = pb.get(n).toFloatArray(), z = m.get(n).toFloatArray();
            for (int i = 0; i < x.length; i++) assertEquals(lam * x[i] + (1 - lam) * y[i], z[i], 1e-6, n);
        }
    }

    @Test
    void lambdaParsingAndErrors() {
        assertEquals(Lambda.global(0.9), Lambda.parse("0.9"));
        assertEquals("0.9", Lambda.parse(" 0.9 ").toString());
        Lambda l = Lambda.parse("0.8,cnn=0.5");
        assertEquals(0.5, l.of(Component.CNN));
        assertEquals(0.8, l.of(Component.ATTENTION));
        assertEquals(l, Lambda.parse(l.toString()));
        assertEquals("0.8,cnn=0.5", l.toString());
        assertEquals(Component.POS_CONV, Component.of("encoder.pos_conv_embed.conv.parametrizations.weight.original0"));
        assertEquals(Component.NORMS, Component.of("feature_extractor.conv_layers.0.layer_norm.weight"));
        assertEquals(Component.NORMS, Component.of("encoder.layers.3.final_layer_norm.bias"));
        assertThrows(IllegalArgumentException.class, () -> Lambda.parse("cnn=0.5"), "no default");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Lambda.parse("cnnn=0.5,0.9")).getMessage().contains("cnnn"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Lambda.parse("1.5")).getMessage().contains("outside [0, 1]"));
        assertThrows(IllegalArgumentException.class, () -> Lambda.parse("x"));
        assertThrows(IllegalArgumentException.class, () -> Lambda.parse("0.9,0.8"));
    }

    @Test
    void nonFiniteWeightsAreNamed() {
        StateDict bad = new StateDict(b.tensors());
        String n = "encoder.layers.0.attention.k_proj.bias";
        float[] v = b.get(n).toFloatArray();
        v[2] = Float.NaN;
        bad.put(n, Tensor.ofFloats(b.get(n).shape(), v));
        var e = assertThrows(CheckpointFormatException.class, () -> Interpolation.interpolate(spec, a, bad, Permutations.identity(), Lambda.global(0.5)));
        assertTrue(e.getMessage().contains(n), e.getMessage());
    }

    /** A second "model": A with every tensor perturbed (a different point in weight space, same architecture). */
    static StateDict perturbed(StateDict sd, double scale, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        StateDict out = new StateDict();
        for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
            float[] v = e.getValue().toFloatArray();
            for (int i = 0; i < v.length; i++) v[i] += (float) (scale * r.nextGaussian() * Math.max(Math.abs(v[i]), 0.05));
            out.put(e.getKey(), Tensor.ofFloats(e.getValue().shape(), v));
        }
        return out;
    }
}
