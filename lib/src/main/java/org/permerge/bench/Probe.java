package org.permerge.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * SUPERB-style probe on frozen features: a learnable softmax-weighted sum over the L layers of
 * {@code [clips, L, D]} pooled features, then a linear head (or one ReLU hidden layer and a linear output),
 * trained with Adam on cross-entropy, early-stopped on dev accuracy. Each (layer, unit) is standardised
 * with the training clips' mean and deviation first, so that layers of different scale compete on equal
 * terms for the softmax weights (s3prl's featurizer layer-normalises each layer for the same reason).
 * Initialisation and batch order come from a {@link Random} seeded by the config, so a run is reproducible.
 */
public final class Probe {
    private Probe() {}

    /**
     * Trains a probe.
     *
     * @param train       training features
     * @param trainLabels class index per training clip, in [0, classes)
     * @param dev         dev features (for early stopping)
     * @param devLabels   class per dev clip; −1 marks a class unseen in training (always counted wrong)
     * @param classes     number of classes
     */
    public static TrainedProbe train(LayerFeatures train, int[] trainLabels, LayerFeatures dev, int[] devLabels,
                                     int classes, ProbeConfig config) {
        // The probe's matrices are tiny: handing each op to a thread pool costs more than it saves, and on a
        // shared machine OpenMP's spinning workers slowed training ~8× in measurements here. Run single-threaded.
        boolean pytorch = "PyTorch".equals(Engine.getInstance().getEngineName());
        int threads = pytorch ? JniUtils.getNumThreads() : 0;
        if (pytorch) JniUtils.setNumThreads(1);
        try {
            return trainSingleThreaded(train, trainLabels, dev, devLabels, classes, config);
        } finally {
            if (pytorch) JniUtils.setNumThreads(threads);
        }
    }

    private static TrainedProbe trainSingleThreaded(LayerFeatures train, int[] trainLabels, LayerFeatures dev,
                                                    int[] devLabels, int classes, ProbeConfig config) {
        check(train, trainLabels, classes, "train", false);
        check(dev, devLabels, classes, "dev", true);
        if (dev.layers() != train.layers() || dev.dim() != train.dim()) {
            throw new IllegalArgumentException("dev features are [" + dev.layers() + ", " + dev.dim()
                    + "] per clip, training features [" + train.layers() + ", " + train.dim() + "]");
        }
        if (classes < 2) throw new IllegalArgumentException("a probe needs at least 2 classes, got " + classes);
        int n = train.clips(), layers = train.layers(), dim = train.dim();
        float[][] stats = standardisation(train);
        float[] x = TrainedProbe.standardise(train.values(), stats[0], stats[1]);
        float[] devX = TrainedProbe.standardise(dev.values(), stats[0], stats[1]);
        Random rng = new Random(config.seed());
        int hidden = config.hiddenUnits();
        int headIn = hidden > 0 ? hidden : dim;

        Map<String, float[]> init = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        put(init, shapes, TrainedProbe.LAYER_LOGITS, new float[layers], new Shape(layers));
        if (hidden > 0) {
            put(init, shapes, TrainedProbe.HIDDEN_W, gaussian(rng, dim * hidden, Math.sqrt(2.0 / dim)), new Shape(dim, hidden));
            put(init, shapes, TrainedProbe.HIDDEN_B, new float[hidden], new Shape(hidden));
        }
        put(init, shapes, TrainedProbe.OUT_W, gaussian(rng, headIn * classes, Math.sqrt(1.0 / headIn)), new Shape(headIn, classes));
        put(init, shapes, TrainedProbe.OUT_B, new float[classes], new Shape(classes));

        TrainedProbe best = new TrainedProbe(stats[0], stats[1], layers, dim, classes, hidden, copy(init));
        double bestDev = best.accuracy(dev, devLabels);
        int bestEpoch = 0, epochsRun = 0;
        try (NDManager root = Engine.getInstance().newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (var e : init.entrySet()) {
                NDArray p = root.create(e.getValue(), shapes.get(e.getKey()));
                p.setRequiresGradient(true);
                params.put(e.getKey(), p);
            }
            Optimizer decayed = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) config.learningRate()))
                    .optWeightDecays((float) config.weightDecay()).build();
            Optimizer plain = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) config.learningRate())).build();
            int[] order = new int[n];
            for (int i = 0; i < n; i++) order[i] = i;
            int per = layers * dim;
            for (int epoch = 1; epoch <= config.maxEpochs(); epoch++) {
                shuffle(order, rng);
                for (int start = 0; start < n; start += config.batchSize()) {
                    int b = Math.min(config.batchSize(), n - start);
                    float[] xb = new float[b * per];
                    int[] yb = new int[b];
                    for (int i = 0; i < b; i++) {
                        System.arraycopy(x, order[start + i] * per, xb, i * per, per);
                        yb[i] = trainLabels[order[start + i]];
                    }
                    try (NDScope scope = new NDScope();
                         GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray input = root.create(xb, new Shape(b, layers, dim));
                        NDArray logits = forward(input, params, hidden);
                        NDArray onehot = root.create(yb).oneHot(classes);
                        NDArray loss = logits.logSoftmax(1).mul(onehot).sum(new int[] {1}).neg().mean();
                        gc.backward(loss);
                    }
                    for (var e : params.entrySet()) {
                        // Optimiser state is created lazily on the first update: keep it outside any NDScope.
                        NDArray grad = e.getValue().getGradient();
                        boolean decay = e.getKey().equals(TrainedProbe.OUT_W) || e.getKey().equals(TrainedProbe.HIDDEN_W);
                        (decay ? decayed : plain).update(e.getKey(), e.getValue(), grad);
                        grad.muli(0);
                        grad.close();
                    }
                }
                epochsRun = epoch;
                double acc = devAccuracy(root, params, hidden, dev, devX, devLabels);
                if (acc > bestDev) {
                    Map<String, float[]> now = new LinkedHashMap<>();
                    for (var e : params.entrySet()) now.put(e.getKey(), e.getValue().toFloatArray());
                    best = new TrainedProbe(stats[0], stats[1], layers, dim, classes, hidden, now);
                    bestDev = acc;
                    bestEpoch = epoch;
                } else if (epoch - bestEpoch >= config.patience()) {
                    break;
                }
            }
        }
        return best.withTraining(bestEpoch, epochsRun, bestDev);
    }

    private static double devAccuracy(NDManager root, Map<String, NDArray> params, int hidden, LayerFeatures dev,
                                      float[] devX, int[] devLabels) {
        try (NDScope scope = new NDScope()) {
            NDArray logits = forward(root.create(devX, new Shape(dev.clips(), dev.layers(), dev.dim())), params, hidden);
            long[] pred = logits.argMax(1).toLongArray();
            int ok = 0;
            for (int i = 0; i < pred.length; i++) if (pred[i] == devLabels[i]) ok++;
            return ok / (double) pred.length;
        }
    }

    /** Logits {@code [B, classes]} for standardised input {@code [B, L, D]}. */
    static NDArray forward(NDArray input, Map<String, NDArray> params, int hidden) {
        NDArray w = params.get(TrainedProbe.LAYER_LOGITS).softmax(0);
        long layers = w.getShape().get(0);
        NDArray h = input.mul(w.reshape(1, layers, 1)).sum(new int[] {1});
        if (hidden > 0) {
            h = h.matMul(params.get(TrainedProbe.HIDDEN_W)).add(params.get(TrainedProbe.HIDDEN_B));
            // libtorch's relu, not maximum(0f): DJL makes that 0 from Java memory and frees it while the graph still
            // needs it for the backward pass (see model.GraphScalars)
            h = ai.djl.nn.Activation.relu(h);
        }
        return h.matMul(params.get(TrainedProbe.OUT_W)).add(params.get(TrainedProbe.OUT_B));
    }

    private static void check(LayerFeatures f, int[] labels, int classes, String split, boolean allowUnknown) {
        if (f.clips() == 0) throw new IllegalArgumentException("probe: no " + split + " clips");
        if (labels.length != f.clips()) {
            throw new IllegalArgumentException("probe: " + labels.length + " " + split + " labels for " + f.clips() + " clips");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= classes || labels[i] < (allowUnknown ? -1 : 0)) {
                throw new IllegalArgumentException("probe: " + split + " clip " + f.clipId(i) + " has class " + labels[i]
                        + ", expected 0.." + (classes - 1) + (allowUnknown ? " or -1 (unseen)" : ""));
            }
        }
    }

    /** Per (layer, unit) training mean and standard deviation (1 where a unit is constant). */
    private static float[][] standardisation(LayerFeatures train) {
        int per = train.layers() * train.dim(), n = train.clips();
        float[] v = train.values();
        double[] mean = new double[per], m2 = new double[per];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < per; j++) {
                double d = v[i * per + j] - mean[j];
                mean[j] += d / (i + 1);
                m2[j] += d * (v[i * per + j] - mean[j]);
            }
        }
        float[] mu = new float[per], sd = new float[per];
        for (int j = 0; j < per; j++) {
            mu[j] = (float) mean[j];
            double s = Math.sqrt(m2[j] / Math.max(1, n));
            sd[j] = s > 1e-8 * (1 + Math.abs(mean[j])) ? (float) s : 1f;
        }
        return new float[][] {mu, sd};
    }

    private static void put(Map<String, float[]> init, Map<String, Shape> shapes, String name, float[] v, Shape s) {
        init.put(name, v);
        shapes.put(name, s);
    }

    private static float[] gaussian(Random rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rng.nextGaussian() * scale);
        return v;
    }

    private static Map<String, float[]> copy(Map<String, float[]> m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

}
