package org.permerge.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained probe, held as plain arrays (no native memory): standardisation statistics, the softmax layer
 * weights and the head. Predicts classes for new pooled features.
 */
public final class TrainedProbe {
    static final String LAYER_LOGITS = "layer_logits";
    static final String HIDDEN_W = "hidden.weight";
    static final String HIDDEN_B = "hidden.bias";
    static final String OUT_W = "out.weight";
    static final String OUT_B = "out.bias";

    private final float[] mean;
    private final float[] scale;
    private final int layers;
    private final int dim;
    private final int classes;
    private final int hidden;
    private final Map<String, float[]> params;
    private final int bestEpoch;
    private final int epochsRun;
    private final double devAccuracy;

    TrainedProbe(float[] mean, float[] scale, int layers, int dim, int classes, int hidden, Map<String, float[]> params) {
        this(mean, scale, layers, dim, classes, hidden, params, 0, 0, Double.NaN);
    }

    private TrainedProbe(float[] mean, float[] scale, int layers, int dim, int classes, int hidden,
                         Map<String, float[]> params, int bestEpoch, int epochsRun, double devAccuracy) {
        this.mean = mean;
        this.scale = scale;
        this.layers = layers;
        this.dim = dim;
        this.classes = classes;
        this.hidden = hidden;
        this.params = params;
        this.bestEpoch = bestEpoch;
        this.epochsRun = epochsRun;
        this.devAccuracy = devAccuracy;
    }

    TrainedProbe withTraining(int bestEpoch, int epochsRun, double devAccuracy) {
        return new TrainedProbe(mean, scale, layers, dim, classes, hidden, params, bestEpoch, epochsRun, devAccuracy);
    }

    /** The softmax layer weights (sum to 1): how much each hidden layer contributes. */
    public double[] layerWeights() {
        float[] logits = params.get(LAYER_LOGITS);
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] w = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < w.length; i++) sum += w[i] = Math.exp(logits[i] - max);
        for (int i = 0; i < w.length; i++) w[i] /= sum;
        return w;
    }

    /** Epoch whose parameters were kept (0 = the initialisation). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** Epochs trained before early stopping or the limit. */
    public int epochsRun() {
        return epochsRun;
    }

    /** Dev accuracy of the kept parameters. */
    public double devAccuracy() {
        return devAccuracy;
    }

    public int classes() {
        return classes;
    }

    /** Predicted class per clip. */
    public int[] predict(LayerFeatures features) {
        if (features.layers() != layers || features.dim() != dim) {
            throw new IllegalArgumentException("probe expects [" + layers + ", " + dim + "] features per clip, got ["
                    + features.layers() + ", " + features.dim() + "]");
        }
        float[] x = standardise(features.values(), mean, scale);
        int n = features.clips();
        int[] out = new int[n];
        try (NDManager m = Engine.getInstance().newBaseManager()) {
            Map<String, NDArray> p = new LinkedHashMap<>();
            params.forEach((k, v) -> p.put(k, m.create(v, shapeOf(k))));
            NDArray logits = Probe.forward(m.create(x, new Shape(n, layers, dim)), p, hidden);
            float[] l = logits.toFloatArray();
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) if (l[i * classes + c] > l[i * classes + best]) best = c;
                out[i] = best;
            }
        }
        return out;
    }

    /** Fraction of clips predicted correctly (label −1 is never correct). */
    public double accuracy(LayerFeatures features, int[] labels) {
        int[] p = predict(features);
        int ok = 0;
        for (int i = 0; i < p.length; i++) if (p[i] == labels[i]) ok++;
        return ok / (double) p.length;
    }

    private Shape shapeOf(String name) {
        int headIn = hidden > 0 ? hidden : dim;
        return switch (name) {
            case LAYER_LOGITS -> new Shape(layers);
            case HIDDEN_W -> new Shape(dim, hidden);
            case HIDDEN_B -> new Shape(hidden);
            case OUT_W -> new Shape(headIn, classes);
            case OUT_B -> new Shape(classes);
            default -> throw new IllegalStateException("unknown probe parameter " + name);
        };
    }

    static float[] standardise(float[] values, float[] mean, float[] scale) {
        int per = mean.length;
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) out[i] = (values[i] - mean[i % per]) / scale[i % per];
        return out;
    }
}
