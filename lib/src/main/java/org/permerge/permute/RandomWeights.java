package org.permerge.permute;

import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.model.EncoderConfig;
import org.permerge.model.ParameterLayout;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * A randomly initialised checkpoint of any HuBERT-family config (real Base/Large shapes included), with
 * non-trivial norms and biases and weights scaled by 1/√fan-in so activations stay in a sane range — for
 * invariance checks and merge benchmarks where real weights are not needed.
 */
public final class RandomWeights {
    private RandomWeights() {}

    /** Every tensor of {@link ParameterLayout#expectedShapes(EncoderConfig)}, float32, reproducible from the seed. */
    public static StateDict create(EncoderConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        StateDict sd = new StateDict();
        for (Map.Entry<String, long[]> e : ParameterLayout.expectedShapes(config).entrySet()) {
            String n = e.getKey();
            long[] shape = e.getValue();
            float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
            if (n.contains("layer_norm.weight")) {
                fill(v, rng, 1.0, 0.1);
            } else if (n.equals(ParameterLayout.POS_CONV_G)) {
                fill(v, rng, 1.0, 0.2);
            } else if (shape.length == 1) {
                fill(v, rng, 0.0, 0.1);
            } else {
                long fanIn = 1;
                for (int a = 1; a < shape.length; a++) fanIn *= shape[a];
                fill(v, rng, 0.0, 1.0 / Math.sqrt(fanIn));
            }
            sd.put(n, Tensor.ofFloats(shape, v));
        }
        return sd;
    }

    private static void fill(float[] v, SplittableRandom rng, double mean, double std) {
        // Uniform with the requested std: much faster than Gaussian sampling for 95 M values.
        double half = std * Math.sqrt(3);
        for (int i = 0; i < v.length; i++) v[i] = (float) (mean + (2 * rng.nextDouble() - 1) * half);
    }
}
