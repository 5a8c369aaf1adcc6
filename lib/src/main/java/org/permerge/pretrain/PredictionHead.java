package org.permerge.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.permerge.model.GraphScalars;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * HuBERT's prediction head for one codebook: the last hidden state is projected to a small space and
 * scored against one learned embedding per k-means cluster by cosine similarity over a temperature
 * (0.1, as in HuBERT); the loss is cross-entropy on masked frames only. Not part of the saved encoder.
 */
public final class PredictionHead {
    /** HuBERT's logit temperature. */
    public static final double TEMPERATURE = 0.1;

    private final String name;
    private final int clusters;
    private final NDArray projWeight; // [D, H]
    private final NDArray projBias;   // [D]
    private final NDArray embeddings; // [K, D]

    /**
     * @param name     prefix of the parameter names (e.g. "head.mfcc")
     * @param hidden   encoder width H
     * @param dim      projection width D
     * @param clusters codebook size K
     */
    public PredictionHead(NDManager manager, String name, int hidden, int dim, int clusters, long seed) {
        this.name = name;
        this.clusters = clusters;
        SplittableRandom rnd = new SplittableRandom(seed);
        this.projWeight = manager.create(gaussian(dim * hidden, 1.0 / Math.sqrt(hidden), rnd), new Shape(dim, hidden));
        this.projBias = manager.zeros(new Shape(dim));
        this.embeddings = manager.create(gaussian(clusters * dim, 1.0, rnd), new Shape(clusters, dim));
        for (NDArray p : parameters().values()) p.setRequiresGradient(true);
    }

    /** The head's trainable tensors by name. */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        m.put(name + ".final_proj.weight", projWeight);
        m.put(name + ".final_proj.bias", projBias);
        m.put(name + ".label_embeddings", embeddings);
        return m;
    }

    public int clusters() {
        return clusters;
    }

    /** Logits [B,T,K]: cosine(proj(h), e_k) / temperature. */
    public NDArray logits(NDArray hidden) {
        NDArray p = hidden.matMul(projWeight.transpose()).add(projBias);
        NDArray pn = p.div(p.square().sum(new int[] {-1}, true).add(1e-8).sqrt());
        NDArray en = embeddings.div(embeddings.square().sum(new int[] {-1}, true).add(1e-8).sqrt());
        return GraphScalars.dividedBy(pn.matMul(en.transpose()), TEMPERATURE);
    }

    /**
     * Mean cross-entropy over frames where {@code weight} is 1, and the number of those frames predicted right.
     *
     * @param hidden  [B,T,H] last hidden state
     * @param targets [B,T] int cluster ids (any value where weight is 0)
     * @param weight  [B,T] float32, 1 on masked real frames, 0 elsewhere
     * @return {loss (scalar, differentiable), correct (scalar, float)}
     */
    public NDList loss(NDArray hidden, NDArray targets, NDArray weight) {
        NDArray logits = logits(hidden);
        NDArray logp = logits.logSoftmax(-1);
        NDArray oneHot = targets.toType(DataType.INT64, false).oneHot(clusters);
        NDArray ce = logp.mul(oneHot).sum(new int[] {-1}).neg();
        NDArray denom = weight.sum().maximum(1f);
        NDArray lossValue = ce.mul(weight).sum().div(denom);
        NDArray correct = logits.argMax(-1).eq(targets.toType(DataType.INT64, false)).toType(DataType.FLOAT32, false).mul(weight).sum();
        return new NDList(lossValue, correct);
    }

    private static float[] gaussian(int n, double std, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i += 2) {
            double r = Math.sqrt(-2 * Math.log(1.0 - rnd.nextDouble()));
            double a = 2 * Math.PI * rnd.nextDouble();
            v[i] = (float) (std * r * Math.cos(a));
            if (i + 1 < n) v[i + 1] = (float) (std * r * Math.sin(a));
        }
        return v;
    }
}
