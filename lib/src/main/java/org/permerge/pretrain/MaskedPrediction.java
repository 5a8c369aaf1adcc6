package org.permerge.pretrain;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.model.GraphScalars;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * HuBERT-style masked prediction: random one-second crops, span masks whose frames the encoder replaces
 * by {@code masked_spec_embed}, one prediction head per target codebook, cross-entropy on masked frames
 * summed over codebooks, and an {@link AdamW} step per batch.
 */
public final class MaskedPrediction {
    /** Audio samples per encoder frame (HuBERT's total conv stride). */
    static final int HOP = 320;

    private final TrainableEncoder encoder;
    private final List<float[]> clips;
    private final List<FrameTargets> targets;
    private final PretrainSettings settings;
    private final UnaryOperator<float[]> preprocess;
    private PrintStream log = System.err;
    private boolean progressBar = true;
    private double maxSeconds = Double.POSITIVE_INFINITY;
    private int skippedUpdates;

    /**
     * @param clips      16 kHz mono clips, each at least {@code settings.clipSamples()} long (pad before labelling)
     * @param targets    labels of those clips, one per codebook, on the encoder's frames of each whole clip
     * @param preprocess the checkpoint's preprocessor, applied to each crop (e.g. zero-mean unit-variance)
     */
    public MaskedPrediction(TrainableEncoder encoder, List<float[]> clips, List<FrameTargets> targets,
                            PretrainSettings settings, UnaryOperator<float[]> preprocess) {
        if (targets.isEmpty()) throw new IllegalArgumentException("pretrain: no target codebooks");
        for (int i = 0; i < clips.size(); i++) {
            float[] c = clips.get(i);
            if (c.length < settings.clipSamples()) {
                throw new IllegalArgumentException("pretrain: clip " + i + " has " + c.length + " samples, fewer than the crop length "
                        + settings.clipSamples() + " (pad it before labelling)");
            }
            int frames = encoder.config().framesFor(c.length);
            for (FrameTargets t : targets) {
                if (t.labels().length != clips.size() || t.labels()[i].length != frames) {
                    throw new IllegalArgumentException("pretrain: codebook " + t.codebook().name() + " has no labels for the " + frames
                            + " frames of clip " + i);
                }
            }
        }
        if (encoder.config().totalStride() != HOP) {
            throw new IllegalArgumentException("pretrain: the encoder's total stride is " + encoder.config().totalStride() + ", expected " + HOP);
        }
        this.encoder = encoder;
        this.clips = clips;
        this.targets = targets;
        this.settings = settings;
        this.preprocess = preprocess;
    }

    /** Where plain progress lines go (default stderr). */
    public MaskedPrediction optLog(PrintStream log, boolean progressBar) {
        this.log = log;
        this.progressBar = progressBar;
        return this;
    }

    /**
     * Stops training after this much wall time even if steps remain (the run keeps what it learned; the
     * loss curve shows where it stopped). For shared machines whose speed cannot be predicted.
     */
    public MaskedPrediction optTimeBudget(double seconds) {
        this.maxSeconds = seconds;
        return this;
    }

    /** Runs every step (or until the time budget is spent); the encoder's parameters are updated in place. */
    public LossCurve train() {
        int b = settings.batchSize();
        int n = settings.clipSamples();
        int frames = encoder.config().framesFor(n);
        SplittableRandom rnd = new SplittableRandom(settings.seed() ^ 0x5DEECE66DL);
        LossCurve curve = new LossCurve();
        try (NDManager root = NDManager.newBaseManager()) {
            int hidden = encoder.config().hiddenSize();
            List<PredictionHead> heads = new ArrayList<>();
            Map<String, NDArray> params = new LinkedHashMap<>(encoder.parameters());
            for (int h = 0; h < targets.size(); h++) {
                FrameTargets t = targets.get(h);
                PredictionHead head = new PredictionHead(root, "head." + t.codebook().name(), hidden, settings.headDim(),
                        t.kmeans().k(), settings.initSeed() * 31 + h);
                heads.add(head);
                params.putAll(head.parameters());
            }
            for (NDArray p : params.values()) p.setRequiresGradient(true);
            NDManager stateManager = root.newSubManager();
            AdamW opt = AdamW.hubert(stateManager, new AdamW.Schedule(settings.peakLearningRate(), settings.warmupSteps(), settings.steps()));
            int[] order = shuffled(clips.size(), rnd);
            int cursor = 0;
            long start = System.nanoTime();
            int logEvery = Math.max(1, settings.steps() / 50);
            try (ProgressBar pb = progressBar ? new ProgressBarBuilder().setTaskName("pretrain").setInitialMax(settings.steps())
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).build() : null) {
                for (int step = 1; step <= settings.steps(); step++) {
                    float[] batch = new float[b * n];
                    int[][][] labels = new int[targets.size()][b][frames];
                    for (int i = 0; i < b; i++) {
                        if (cursor == order.length) {
                            order = shuffled(clips.size(), rnd);
                            cursor = 0;
                        }
                        int c = order[cursor++];
                        float[] clip = clips.get(c);
                        int offsetFrames = rnd.nextInt((clip.length - n) / HOP + 1);
                        float[] crop = java.util.Arrays.copyOfRange(clip, offsetFrames * HOP, offsetFrames * HOP + n);
                        System.arraycopy(preprocess.apply(crop), 0, batch, i * n, n);
                        for (int h = 0; h < targets.size(); h++) {
                            System.arraycopy(targets.get(h).labels()[c], offsetFrames, labels[h][i], 0, frames);
                        }
                    }
                    int[] full = new int[b];
                    java.util.Arrays.fill(full, frames);
                    boolean[][] mask = settings.mask().sample(full, frames, rnd);
                    double lossValue, correct, maskedCount, gradNorm;
                    try (NDManager scope = root.newSubManager()) {
                        // ops on parameters land in this scope and are freed with it
                        for (NDArray p : params.values()) p.tempAttach(scope);
                        NDArray input = scope.create(batch, new Shape(b, n));
                        NDArray maskNd = scope.create(flatten(mask), new Shape(b, frames));
                        NDArray weight = maskNd.toType(DataType.FLOAT32, false);
                        NDArray loss;
                        float correctSum = 0;
                        double plainLoss = 0;
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray h = encoder.lastHiddenState(scope, input, maskNd);
                            loss = null;
                            for (int k = 0; k < heads.size(); k++) {
                                NDArray tgt = scope.create(flatten(labels[k]), new Shape(b, frames));
                                NDList out = heads.get(k).loss(h, tgt, weight);
                                double w = targets.get(k).codebook().weight();
                                NDArray term = w == 1.0 ? out.get(0) : GraphScalars.times(out.get(0), w);
                                loss = loss == null ? term : loss.add(term);
                                plainLoss += out.get(0).getFloat();
                                correctSum += out.get(1).getFloat();
                            }
                            gc.backward(loss);
                        }
                        // the curve reports the unweighted sum (comparable across weightings); the weighted one is optimised
                        lossValue = plainLoss;
                        if (!Double.isFinite(lossValue)) {
                            throw new IllegalStateException("pretrain: loss is " + lossValue + " at step " + step);
                        }
                        maskedCount = weight.sum().getFloat();
                        correct = correctSum / heads.size();
                        scaleFeatureEncoderGradients(scope, params, settings.featureGradMult());
                        gradNorm = opt.update(scope, params);
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double acc = maskedCount > 0 ? correct / maskedCount : Double.NaN;
                    curve.add(new LossCurve.Point(step, lossValue / heads.size(), acc, opt.lastLearningRate(), gradNorm, seconds));
                    if (pb != null) {
                        pb.step();
                        pb.setExtraMessage(String.format(Locale.ROOT, "loss %.3f acc %.3f %.2f step/s", lossValue / heads.size(), acc, step / seconds));
                    }
                    boolean outOfTime = seconds > maxSeconds && step < settings.steps();
                    if (step % logEvery == 0 || step == settings.steps() || outOfTime) {
                        log.printf(Locale.ROOT, "step %d/%d loss %.4f (mean of last %d: %.4f) masked acc %.3f lr %.2e |g| %.2f %.2f step/s%n",
                                step, settings.steps(), lossValue / heads.size(), logEvery, curve.meanLossLast(logEvery), acc,
                                opt.lastLearningRate(), gradNorm, step / seconds);
                    }
                    if (outOfTime) {
                        log.printf(Locale.ROOT, "time budget of %.0f s spent: stopping after step %d of %d%n", maxSeconds, step, settings.steps());
                        break;
                    }
                }
            }
            for (NDArray p : params.values()) p.setRequiresGradient(false);
            skippedUpdates = opt.skippedUpdates();
        }
        return curve;
    }

    /**
     * HuBERT's {@code feature_grad_mult}: fairseq multiplies the gradient flowing back into the CNN feature encoder
     * (a GradMultiply on its output). The CNN is reached only through that output, so scaling the gradient of every
     * CNN parameter after the backward pass is the same thing, and it happens before clipping, as in fairseq.
     */
    static void scaleFeatureEncoderGradients(NDManager scope, Map<String, NDArray> params, double factor) {
        if (factor == 1.0) return;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            if (!e.getKey().startsWith(FEATURE_ENCODER_PREFIX)) continue;
            NDArray g = e.getValue().getGradient();
            g.attach(scope); // the handle only; the parameter keeps its .grad, scaled in place
            g.muli(factor);
        }
    }

    /** Names of the CNN feature encoder's parameters (conv kernels and their norms). */
    static final String FEATURE_ENCODER_PREFIX = "feature_extractor.";

    /** Updates the last {@link #train()} skipped for a non-finite gradient. */
    public int skippedUpdates() {
        return skippedUpdates;
    }

    private static int[] shuffled(int n, SplittableRandom rnd) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) o[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }

    private static boolean[] flatten(boolean[][] m) {
        boolean[] out = new boolean[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        return out;
    }

    private static int[] flatten(int[][] m) {
        int[] out = new int[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        return out;
    }
}
