package org.permerge.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The HuBERT-family encoder (HuBERT, MERT) on DJL NDArrays, computing what transformers' {@code HubertModel}
 * computes in eval mode, for both layouts: group-norm CNN + post-LN transformer (Base) and layer-norm CNN +
 * pre-LN "stable" transformer (Large). Built only from DJL's differentiable functional ops, so the same
 * code runs under a {@code GradientCollector} for training. Its convolutions go through {@link Convolution1d},
 * which keeps them out of a libtorch/oneDNN kernel that miscomputes some channel widths on some CPUs.
 *
 * <p>Inference ({@link #forward}) runs on {@link BlasEncoder} (OpenBLAS GEMMs, same outputs) where
 * {@link EncoderBackend} says so; training always runs here.
 *
 * <p>Batches may mix clip lengths: every clip's result equals a single-clip run (padding never leaks,
 * unlike transformers' GroupNorm). Every forward runs in a caller-given {@link NDManager} scope; the
 * intermediates of each block are freed as soon as the block is done.
 */
public final class HubertEncoder implements AutoCloseable {
    /** nn.GroupNorm / nn.LayerNorm default epsilon, which transformers uses inside the conv blocks. */
    private static final float CONV_NORM_EPS = 1e-5f;
    /** Added to the attention scores of padding keys: far below any real score, yet finite. */
    private static final float MASKED_KEY = -1e9f;

    private final EncoderConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> params;
    private final float lnEps;
    /** The BLAS copy of the weights that inference runs on (see {@link EncoderBackend}), made on first use. */
    private BlasEncoder blas;
    /** Set once the live parameters were handed out: they may change, so inference stays on them (DJL). */
    private boolean parametersExposed;
    private int blasThreads = BlasEncoder.defaultThreads();

    private HubertEncoder(EncoderConfig config, NDManager manager, Map<String, NDArray> params) {
        this.config = config;
        this.manager = manager;
        this.params = Collections.unmodifiableMap(params);
        this.lnEps = (float) config.layerNormEps();
    }

    /** An encoder on the engine's default device owning a copy of the weights (current transformers names). */
    public static HubertEncoder create(EncoderConfig config, StateDict weights) {
        return create(config, weights, null);
    }

    /** An encoder for a loaded checkpoint (weights already under current names), on the default device. */
    public static HubertEncoder create(EncoderCheckpoint checkpoint) {
        return create(checkpoint.config(), checkpoint.weights(), null);
    }

    /**
     * An encoder on the given device (null = the engine's default). Every tensor of
     * {@link ParameterLayout#expectedShapes} must be present with its shape; a missing, unknown, misshapen
     * or non-finite tensor is an error naming it.
     */
    public static HubertEncoder create(EncoderConfig config, StateDict weights, Device device) {
        Map<String, float[]> values = checkedWeights(config, weights);
        Map<String, long[]> expected = ParameterLayout.expectedShapes(config);
        NDManager manager = device == null ? NDManager.newBaseManager() : NDManager.newBaseManager(device);
        try {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> e : values.entrySet()) {
                NDArray a = manager.create(e.getValue(), new Shape(expected.get(e.getKey())));
                a.setName(e.getKey());
                params.put(e.getKey(), a);
            }
            return new HubertEncoder(config, manager, params);
        } catch (RuntimeException ex) {
            manager.close();
            throw ex;
        }
    }

    /**
     * The float32 values of every tensor of {@link ParameterLayout#expectedShapes}, in its order; a missing,
     * unknown, misshapen or non-finite tensor is an error naming it.
     */
    static Map<String, float[]> checkedWeights(EncoderConfig config, StateDict weights) {
        Map<String, long[]> expected = ParameterLayout.expectedShapes(config);
        for (String name : weights.names()) {
            if (!expected.containsKey(name)) {
                throw new CheckpointFormatException("unknown tensor '" + name + "' for a " + config.layoutName()
                        + " encoder (expected the names ParameterLayout lists; legacy names load through EncoderCheckpoint)");
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String name = e.getKey();
            if (!weights.contains(name)) {
                throw new CheckpointFormatException("missing tensor '" + name + "' of shape "
                        + Arrays.toString(e.getValue()) + " for a " + config.layoutName() + " encoder");
            }
            Tensor t = weights.get(name);
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new CheckpointFormatException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(e.getValue()) + " for " + config);
            }
            if (!t.dtype().isFloating()) {
                throw new CheckpointFormatException("tensor '" + name + "' has dtype " + t.dtype() + ", expected a floating type");
            }
            float[] values = t.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new CheckpointFormatException("tensor '" + name + "' holds a non-finite value (" + values[i]
                            + ") at flat index " + i);
                }
            }
            out.put(name, values);
        }
        return out;
    }

    public EncoderConfig config() {
        return config;
    }

    /** The device the weights live on; inputs must live there too. */
    public Device device() {
        return manager.getDevice();
    }

    /**
     * The live parameter arrays under current transformers names, in state-dict order. A trainer may attach
     * gradients to them and update them in place; the forward pass reads them on every call.
     */
    public synchronized Map<String, NDArray> parameters() {
        parametersExposed = true;
        if (blas != null) {
            blas.close();
            blas = null;
        }
        return params;
    }

    /** A float32 copy of the current weights as a state dict (current transformers names). */
    public StateDict toStateDict() {
        StateDict sd = new StateDict();
        for (Map.Entry<String, NDArray> e : params.entrySet()) sd.put(e.getKey(), Tensor.of(e.getValue()));
        return sd;
    }

    /**
     * Inference forward pass.
     *
     * @param scope       owns every array this call creates (close it to free the output)
     * @param inputValues [B, N] float32 waveforms, clips left-aligned and zero-padded to N
     * @param lengths     real samples of each clip, or null when all are N long
     * @param taps        receives every tap while the batch is in memory, or null
     */
    public EncoderOutput forward(NDManager scope, NDArray inputValues, int[] lengths, TapConsumer taps) {
        BlasEncoder b = blasForInference();
        if (b != null) return b.forward(scope, inputValues, lengths, taps);
        return run(scope, inputValues, lengths, null, taps, false);
    }

    /**
     * The BLAS encoder inference runs on, or null for DJL: null unless {@link EncoderBackend#inferenceOnBlas},
     * the weights live on the CPU, and nobody was handed the live parameters (which a trainer updates in place).
     */
    private synchronized BlasEncoder blasForInference() {
        if (parametersExposed || !Device.Type.CPU.equals(manager.getDevice().getDeviceType()) || !EncoderBackend.inferenceOnBlas()) return null;
        if (blas == null) blas = BlasEncoder.create(config, toStateDict(), blasThreads);
        return blas;
    }

    /** Threads the BLAS inference path splits a forward over (default {@link BlasEncoder#defaultThreads}). */
    public synchronized void setBlasThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads: expected a positive count, got " + threads);
        if (threads == blasThreads) return;
        blasThreads = threads;
        if (blas != null) {
            blas.close();
            blas = null;
        }
    }

    /** Inference on clips given as arrays: pads them into one batch and runs {@link #forward}. */
    public EncoderOutput forward(NDManager scope, List<float[]> clips, TapConsumer taps) {
        int[] lengths = new int[clips.size()];
        int n = 0;
        for (int b = 0; b < lengths.length; b++) {
            lengths[b] = clips.get(b).length;
            n = Math.max(n, lengths[b]);
        }
        float[] flat = new float[Math.multiplyExact(lengths.length, n)];
        for (int b = 0; b < lengths.length; b++) System.arraycopy(clips.get(b), 0, flat, b * n, lengths[b]);
        NDArray input = scope.create(flat, new Shape(lengths.length, n));
        return forward(scope, input, lengths, taps);
    }

    /**
     * Training forward pass, differentiable under DJL's {@code GradientCollector}: as transformers'
     * {@code _mask_hidden_states}, the feature-projection outputs of masked frames are replaced by
     * {@code masked_spec_embed} before the transformer.
     *
     * <p>The graph keeps its own copy of the input, so the caller may close {@code inputValues} before the
     * backward pass; the parameters must stay open until then.
     *
     * @param maskTimeIndices [B, T] boolean (true = masked), or null for no masking
     */
    public EncoderOutput forwardTrain(NDManager scope, NDArray inputValues, int[] lengths, NDArray maskTimeIndices) {
        return run(scope, inputValues, lengths, maskTimeIndices, null, true);
    }

    /** Frames the encoder produces for each clip length. */
    public int[] framesFor(int[] lengths) {
        int[] f = new int[lengths.length];
        for (int i = 0; i < f.length; i++) f[i] = config.framesFor(lengths[i]);
        return f;
    }

    private EncoderOutput run(NDManager scope, NDArray inputValues, int[] lengths, NDArray maskTimeIndices, TapConsumer taps,
                              boolean training) {
        Shape s = inputValues.getShape();
        if (s.dimension() != 2 || inputValues.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("input_values must be a [B, N] float32 array, got " + inputValues.getDataType() + s);
        }
        int batch = Math.toIntExact(s.get(0));
        long n = s.get(1);
        int[] len = checkLengths(lengths, batch, n);
        if (inputValues.isNaN().logicalOr(inputValues.isInfinite()).any().getBoolean()) {
            throw new IllegalArgumentException("input_values holds NaN or infinite samples; expected finite waveforms");
        }
        boolean padded = false;
        for (int l : len) padded |= l < n;
        int frames = config.framesFor(n);
        int[] clipFrames = framesFor(len);
        checkFrames(config, len, clipFrames);
        if (maskTimeIndices != null && (!maskTimeIndices.getShape().equals(new Shape(batch, frames))
                || maskTimeIndices.getDataType() != DataType.BOOLEAN)) {
            throw new IllegalArgumentException("mask_time_indices must be a [" + batch + ", " + frames + "] boolean array, got "
                    + maskTimeIndices.getDataType() + maskTimeIndices.getShape());
        }
        Context ctx = new Context(scope, batch, padded, taps);

        // Feature extractor: conv blocks on [B, C, T].
        // Conv block 0 saves its input for the weight gradient. A caller's array made from Java data lives in a Java
        // buffer that a GC frees once the array is closed (see GraphScalars); the graph gets a libtorch-owned copy.
        NDArray x;
        if (training) {
            try (NDArray copy = inputValues.duplicate()) {
                x = own(scope, copy.reshape(batch, 1, n));
            }
        } else {
            x = own(scope, inputValues.reshape(batch, 1, n));
        }
        long t = n;
        int[] valid = len;
        for (int j = 0; j < config.numConvLayers(); j++) {
            int k = config.convKernel()[j];
            int stride = config.convStride()[j];
            t = (t - k) / stride + 1;
            int[] v = new int[batch];
            for (int b = 0; b < batch; b++) v[b] = (valid[b] - k) / stride + 1;
            valid = v;
            int block = j;
            long tj = t;
            int[] validJ = v;
            NDArray prev = x;
            x = step(x, in -> convBlock(ctx, block, in, validJ, tj));
            prev.close();
        }

        NDArray frameMask = scope.create(maskData(clipFrames, frames), new Shape(batch, frames));
        ctx.frameMask = frameMask;
        if (padded) {
            ctx.frameMaskF = frameMask.toType(DataType.FLOAT32, false).expandDims(2);
            float[] bias = new float[batch * frames];
            for (int b = 0; b < batch; b++) {
                for (int f = clipFrames[b]; f < frames; f++) bias[b * frames + f] = MASKED_KEY;
            }
            ctx.keyBias = scope.create(bias, new Shape(batch, 1, 1, frames));
        }

        NDArray extracted = x;
        NDArray projected = step(extracted, in -> featureProjection(ctx, in, maskTimeIndices));
        extracted.close();
        NDArray h = step(projected, in -> embed(ctx, in));
        projected.close();

        List<NDArray> hidden = new ArrayList<>();
        hidden.add(h);
        ctx.emit(Taps.hiddenState(0), h, frameMask);
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            int layer = l;
            h = step(h, in -> layer(ctx, layer, in));
            hidden.add(h);
            ctx.emit(Taps.layer(l), h, frameMask);
            ctx.emit(Taps.hiddenState(l + 1), h, frameMask);
        }
        NDArray last = h;
        if (config.doStableLayerNorm()) {
            last = step(h, in -> layerNorm(in, "encoder.layer_norm", lnEps));
        }
        ctx.emit(Taps.LAST_HIDDEN_STATE, last, frameMask);
        return new EncoderOutput(hidden, last, frameMask, clipFrames);
    }

    static int[] checkLengths(int[] lengths, int batch, long n) {
        if (batch == 0) throw new IllegalArgumentException("input_values holds no clips (B = 0)");
        int[] len = new int[batch];
        if (lengths == null) {
            Arrays.fill(len, Math.toIntExact(n));
            return len;
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException(lengths.length + " clip lengths given for a batch of " + batch + " clips");
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > n) {
                throw new IllegalArgumentException("clip " + b + " has length " + lengths[b] + ", expected 1.." + n + " samples");
            }
            len[b] = lengths[b];
        }
        return len;
    }

    static void checkFrames(EncoderConfig config, int[] lengths, int[] frames) {
        for (int b = 0; b < lengths.length; b++) {
            if (frames[b] < 1) {
                throw new IllegalArgumentException("clip " + b + " has " + lengths[b] + " samples, too short for one frame"
                        + " (the conv stack needs at least " + config.receptiveField() + ")");
            }
        }
    }

    /** The receptive field of one output frame, in samples. */
    public int minSamples() {
        return config.receptiveField();
    }

    /** Conv block j: conv, norm (LayerNorm every block, or GroupNorm in block 0), GELU. */
    private NDArray convBlock(Context ctx, int j, NDArray in, int[] valid, long frames) {
        String p = "feature_extractor.conv_layers." + j + ".";
        NDArray y = Convolution1d.conv1d(in, param(p + "conv.weight"), config.convBias() ? param(p + "conv.bias") : null,
                config.convStride()[j], 0, 1);
        int channels = config.convDim()[j];
        if (config.isLayerNormLayout()) {
            y = LayerNorm.layerNorm(y.transpose(0, 2, 1), new Shape(channels), param(p + "layer_norm.weight"),
                    param(p + "layer_norm.bias"), CONV_NORM_EPS).singletonOrThrow().transpose(0, 2, 1);
        } else if (j == 0) {
            y = groupNormPerChannel(ctx, y, valid, frames, p);
        }
        y = Activation.gelu(y);
        String tap = Taps.conv(j);
        if (ctx.wants(tap)) {
            NDArray mask = ctx.scope.create(maskData(valid, frames), new Shape(ctx.batch, frames));
            ctx.emit(tap, y.transpose(0, 2, 1), mask);
            mask.close();
        }
        return y;
    }

    /**
     * GroupNorm with one group per channel (each channel normalised over time), with statistics over each
     * clip's own frames only, so that padding does not change a clip's result.
     */
    private NDArray groupNormPerChannel(Context ctx, NDArray y, int[] valid, long frames, String p) {
        NDArray mean;
        NDArray centred;
        NDArray var;
        if (!ctx.padded) {
            mean = y.mean(new int[] {2}, true);
            centred = y.sub(mean);
            var = centred.square().mean(new int[] {2}, true);
        } else {
            NDManager m = y.getManager();
            NDArray mask = m.create(maskData(valid, frames), new Shape(ctx.batch, 1, frames)).toType(DataType.FLOAT32, false);
            // The divisor is saved for the backward pass: derived from the mask, it lives in libtorch's memory, not in
            // a Java buffer that a GC may free once this block's scope closes (see GraphScalars).
            NDArray count = mask.sum(new int[] {2}, true);
            mean = y.mul(mask).sum(new int[] {2}, true).div(count);
            centred = y.sub(mean);
            var = centred.square().mul(mask).sum(new int[] {2}, true).div(count);
        }
        NDManager m = y.getManager();
        // γ/σ folded into one [B, C, 1] scale: one pass less over the longest activation of the model.
        NDArray scale = own(m, param(p + "layer_norm.weight").reshape(-1, 1)).div(var.add(CONV_NORM_EPS).sqrt());
        NDArray beta = own(m, param(p + "layer_norm.bias").reshape(-1, 1));
        return centred.mul(scale).add(beta);
    }

    /** Feature projection (LayerNorm over conv channels, then Linear), plus the training-time frame masking. */
    private NDArray featureProjection(Context ctx, NDArray in, NDArray maskTimeIndices) {
        NDArray x = in.transpose(0, 2, 1);
        NDArray normed = LayerNorm.layerNorm(x, new Shape(config.extractorDim()), param("feature_projection.layer_norm.weight"),
                param("feature_projection.layer_norm.bias"), lnEps).singletonOrThrow();
        NDArray h = Linear.linear(normed, param("feature_projection.projection.weight"),
                param("feature_projection.projection.bias")).singletonOrThrow();
        ctx.emit(Taps.FEATURE_PROJECTION, h, ctx.frameMask);
        if (maskTimeIndices != null) {
            // Arithmetic blend instead of an in-place index assignment keeps the graph differentiable and exact.
            NDArray m = own(h.getManager(), maskTimeIndices.toType(DataType.FLOAT32, false).expandDims(2));
            h = h.mul(m.neg().add(1f)).add(m.mul(param("masked_spec_embed")));
        }
        return h;
    }

    /** Zero padding frames, add the positional conv embedding, and (post-LN layout) the encoder LayerNorm. */
    private NDArray embed(Context ctx, NDArray in) {
        NDArray h = ctx.padded ? in.mul(ctx.frameMaskF) : in;
        NDArray pos = positionalConv(h);
        ctx.emit(Taps.POS_CONV, pos, ctx.frameMask);
        h = h.add(pos);
        if (!config.doStableLayerNorm()) h = layerNorm(h, "encoder.layer_norm", lnEps);
        return h;
    }

    /** Grouped conv with weight norm w = g · v / ||v|| (norm per kernel tap, transformers' dim=2), same padding, GELU. */
    private NDArray positionalConv(NDArray h) {
        NDManager m = h.getManager();
        NDArray v = param(ParameterLayout.POS_CONV_V);
        NDArray norm = own(m, v.square()).sum(new int[] {0, 1}, true).sqrt();
        NDArray w = own(m, v.mul(own(m, param(ParameterLayout.POS_CONV_G).div(norm))));
        int kernel = config.numConvPosEmbeddings();
        long frames = h.getShape().get(1);
        NDArray y = Convolution1d.conv1d(h.transpose(0, 2, 1), w, param("encoder.pos_conv_embed.conv.bias"), 1,
                kernel / 2, config.numConvPosEmbeddingGroups());
        if (kernel % 2 == 0) y = y.get(":, :, 0:" + frames);
        return Activation.gelu(y).transpose(0, 2, 1);
    }

    /** One transformer layer, post-LN or pre-LN ("stable") per the config. */
    private NDArray layer(Context ctx, int l, NDArray h) {
        String p = "encoder.layers." + l + ".";
        if (config.doStableLayerNorm()) {
            NDArray a = attention(ctx, l, layerNorm(h, p + "layer_norm", lnEps));
            NDArray h1 = h.add(a);
            return h1.add(feedForward(ctx, l, layerNorm(h1, p + "final_layer_norm", lnEps)));
        }
        NDArray h1 = layerNorm(h.add(attention(ctx, l, h)), p + "layer_norm", lnEps);
        return layerNorm(h1.add(feedForward(ctx, l, h1)), p + "final_layer_norm", lnEps);
    }

    private NDArray attention(Context ctx, int l, NDArray x) {
        String p = "encoder.layers." + l + ".attention.";
        NDArray q = linear(x, p + "q_proj");
        ctx.emit(Taps.q(l), q, ctx.frameMask);
        NDArray k = linear(x, p + "k_proj");
        ctx.emit(Taps.k(l), k, ctx.frameMask);
        NDArray v = linear(x, p + "v_proj");
        ctx.emit(Taps.v(l), v, ctx.frameMask);
        int heads = config.numAttentionHeads();
        int d = config.headDim();
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        // Scaling q (T·d values) is cheaper than scaling the T·T scores and equal up to rounding.
        NDArray qh = GraphScalars.times(q, 1.0 / Math.sqrt(d)).reshape(b, t, heads, d).transpose(0, 2, 1, 3);
        NDArray kt = k.reshape(b, t, heads, d).transpose(0, 2, 3, 1);
        NDArray vh = v.reshape(b, t, heads, d).transpose(0, 2, 1, 3);
        NDArray scores = qh.matMul(kt);
        if (ctx.keyBias != null) scores = scores.add(ctx.keyBias);
        NDArray context = scores.softmax(-1).matMul(vh).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * d);
        ctx.emit(Taps.outProjInput(l), context, ctx.frameMask);
        NDArray out = linear(context, p + "out_proj");
        ctx.emit(Taps.outProj(l), out, ctx.frameMask);
        return out;
    }

    private NDArray feedForward(Context ctx, int l, NDArray x) {
        String p = "encoder.layers." + l + ".feed_forward.";
        NDArray pre = linear(x, p + "intermediate_dense");
        ctx.emit(Taps.intermediateDense(l), pre, ctx.frameMask);
        NDArray act = Activation.gelu(pre);
        ctx.emit(Taps.intermediateAct(l), act, ctx.frameMask);
        NDArray out = linear(act, p + "output_dense");
        ctx.emit(Taps.feedForward(l), out, ctx.frameMask);
        return out;
    }

    private NDArray linear(NDArray x, String prefix) {
        return Linear.linear(x, param(prefix + ".weight"), param(prefix + ".bias")).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String prefix, float eps) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), param(prefix + ".weight"), param(prefix + ".bias"), eps)
                .singletonOrThrow();
    }

    private NDArray param(String name) {
        NDArray a = params.get(name);
        if (a == null) throw new IllegalStateException("no parameter " + name);
        return a;
    }

    /**
     * Runs one block in a sub-scope of its input's manager: every intermediate (and whatever tap consumers
     * derive) is freed when the block returns; only the block's output survives, in the input's manager.
     */
    private static NDArray step(NDArray input, UnaryOperator<NDArray> block) {
        NDManager outer = input.getManager();
        try (NDManager sub = outer.newSubManager()) {
            input.tempAttach(sub);
            NDArray out = block.apply(input);
            out.attach(outer);
            return out;
        }
    }

    /** Ops whose first operand is a parameter land in the encoder's manager; move such results into the scope. */
    private static NDArray own(NDManager m, NDArray a) {
        a.attach(m);
        return a;
    }

    private static boolean[] maskData(int[] valid, long frames) {
        int t = Math.toIntExact(frames);
        boolean[] mask = new boolean[valid.length * t];
        for (int b = 0; b < valid.length; b++) Arrays.fill(mask, b * t, b * t + Math.min(valid[b], t), true);
        return mask;
    }

    @Override
    public synchronized void close() {
        if (blas != null) blas.close();
        manager.close();
    }

    /** Per-forward state shared by the blocks. */
    private static final class Context {
        final NDManager scope;
        final int batch;
        final boolean padded;
        final TapConsumer taps;
        NDArray frameMask;
        NDArray frameMaskF;
        NDArray keyBias;

        Context(NDManager scope, int batch, boolean padded, TapConsumer taps) {
            this.scope = scope;
            this.batch = batch;
            this.padded = padded;
            this.taps = taps;
        }

        boolean wants(String tap) {
            return taps != null && taps.wants(tap);
        }

        /** Hands a tap to the consumer inside its own sub-scope, so whatever it derives is freed right after. */
        void emit(String tap, NDArray activation, NDArray mask) {
            if (!wants(tap)) return;
            NDManager outer = activation.getManager();
            try (NDManager sub = outer.newSubManager()) {
                activation.tempAttach(sub);
                taps.accept(tap, activation, mask);
            }
        }
    }
}
