package org.permerge.pretrain;

import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.model.EncoderConfig;
import org.permerge.model.ParameterLayout;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random initial weights for a HuBERT-family encoder, following HuBERT's recipe: linear layers N(0, 0.02)
 * with zero bias, feature-extractor convs Kaiming-normal (fan-in, gain √2), norms at weight 1 / bias 0,
 * the weight-normed positional conv N(0, √(4 / (kernel · hidden))) with its magnitude g set to the norm of
 * v (so the effective weight starts equal to v), and {@code masked_spec_embed} U[0, 1).
 */
public final class Initialization {
    private static final double LINEAR_STD = 0.02;

    private Initialization() {}

    /** Every tensor of {@link ParameterLayout#expectedShapes} for the config, drawn from the seed. */
    public static StateDict random(EncoderConfig c, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        StateDict sd = new StateDict();
        for (Map.Entry<String, long[]> e : ParameterLayout.expectedShapes(c).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int n = Math.toIntExact(Tensor.numel(shape));
            float[] v = new float[n];
            if (name.equals(ParameterLayout.POS_CONV_G)) {
                continue; // derived from v below
            } else if (name.equals("masked_spec_embed")) {
                for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble();
            } else if (name.endsWith("norm.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else if (name.endsWith(".bias")) {
                // zero
            } else if (name.equals(ParameterLayout.POS_CONV_V)) {
                gaussian(v, Math.sqrt(4.0 / (c.numConvPosEmbeddings() * (double) c.hiddenSize())), rnd);
            } else if (name.startsWith("feature_extractor.")) {
                long fanIn = shape[1] * shape[2];
                gaussian(v, Math.sqrt(2.0 / fanIn), rnd);
            } else if (shape.length == 2) {
                gaussian(v, LINEAR_STD, rnd);
            } else {
                throw new IllegalStateException("no initialisation rule for parameter " + name);
            }
            sd.put(name, Tensor.ofFloats(shape, v));
        }
        sd.put(ParameterLayout.POS_CONV_G, weightNormMagnitude(sd.get(ParameterLayout.POS_CONV_V)));
        // keep the layout's order
        StateDict ordered = new StateDict();
        for (String name : ParameterLayout.expectedShapes(c).keySet()) ordered.put(name, sd.get(name));
        return ordered;
    }

    /** g of weight_norm(dim=2): for each kernel position, the norm of v over output and input channels; shape [1,1,K]. */
    static Tensor weightNormMagnitude(Tensor vTensor) {
        long[] s = vTensor.shape();
        int out = (int) s[0], in = (int) s[1], k = (int) s[2];
        float[] v = vTensor.toFloatArray();
        double[] sq = new double[k];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int base = (o * in + i) * k;
                for (int t = 0; t < k; t++) sq[t] += (double) v[base + t] * v[base + t];
            }
        }
        float[] g = new float[k];
        for (int t = 0; t < k; t++) g[t] = (float) Math.sqrt(sq[t]);
        return Tensor.ofFloats(new long[] {1, 1, k}, g);
    }

    private static void gaussian(float[] v, double std, SplittableRandom rnd) {
        for (int i = 0; i < v.length; i += 2) {
            // Box–Muller: SplittableRandom has no nextGaussian in Java 17
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            v[i] = (float) (std * r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < v.length) v[i + 1] = (float) (std * r * Math.sin(2 * Math.PI * u2));
        }
    }
}
