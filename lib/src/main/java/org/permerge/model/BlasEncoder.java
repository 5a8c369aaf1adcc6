package org.permerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.permerge.checkpoint.StateDict;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The HuBERT-family encoder's inference forward pass with every GEMM on OpenBLAS: the same outputs as
 * {@link HubertEncoder#forward} (hidden states, frame mask, taps), from the same weights, on off-heap float32
 * buffers, several times faster on CPUs where libtorch's GEMM runs far below the machine's peak (issue 12).
 *
 * <p>Activations are kept channels-last ([frames, channels] per clip), which makes every convolution one GEMM on
 * an unfolded input whose row t is k·C consecutive floats from input row t·s: the input itself (row length
 * s·C) when k ≤ s, else copied out row by row in cache-sized chunks. The grouped positional conv does the same per
 * group on a group-major, zero-padded copy. Attention runs per clip and head (scores and weighted
 * values as SGEMMs on strided views of one fused QKV product); keys of padding frames are left out, which is
 * what the DJL path's additive mask amounts to. Norms, GELU (erf form) and softmax run in Java. Everything is
 * split over the encoder's own threads in small chunks that idle threads pull (GEMMs by rows or columns, attention
 * by clip and head), each GEMM on one OpenBLAS thread: on a busy machine a descheduled thread's share is taken
 * over instead of waited for.
 *
 * <p>Inference only: no gradients. The weights are copied at creation; later changes to the source are not seen.
 */
public final class BlasEncoder implements AutoCloseable {
    /** nn.GroupNorm / nn.LayerNorm default epsilon, which transformers uses inside the conv blocks. */
    private static final float CONV_NORM_EPS = 1e-5f;
    /** Rows below which a pass is not worth splitting over threads. */
    private static final int MIN_ROWS_PER_TASK = 16;
    /** Floats of one chunk of an unfolded (im2col) input: 8 MiB, about what stays in a CPU's last-level cache. */
    private static final int UNFOLD_CHUNK_FLOATS = 2 << 20;

    private final EncoderConfig config;
    private final int threads;
    private final ExecutorService pool;
    private final List<FloatPointer> owned = new ArrayList<>();
    private final float lnEps;

    private final FloatPointer[] convW;
    private final float[][] convBias;
    private final float[][] convNormW;
    private final float[][] convNormB;
    private final float[] fpNormW;
    private final float[] fpNormB;
    private final FloatPointer fpW;
    private final float[] fpB;
    private final FloatPointer posW;
    private final float[] posB;
    private final float[] encNormW;
    private final float[] encNormB;
    private final Layer[] layers;
    private boolean closed;

    /** One transformer layer's weights: q, k, v fused into one [3H, H] matrix. */
    private record Layer(FloatPointer qkvW, float[] qkvB, FloatPointer outW, float[] outB, float[] ln1W, float[] ln1B,
                         FloatPointer ffW1, float[] ffB1, FloatPointer ffW2, float[] ffB2, float[] ln2W, float[] ln2B) {
    }

    private BlasEncoder(EncoderConfig config, Map<String, float[]> w, int threads) {
        OpenBlas.ensureLoaded();
        this.config = config;
        this.threads = threads;
        this.lnEps = (float) config.layerNormEps();
        try {
            int n = config.numConvLayers();
            convW = new FloatPointer[n];
            convBias = new float[n][];
            convNormW = new float[n][];
            convNormB = new float[n][];
            int in = 1;
            for (int j = 0; j < n; j++) {
                String p = "feature_extractor.conv_layers." + j + ".";
                int out = config.convDim()[j];
                convW[j] = offHeap(kernelMajor(w.get(p + "conv.weight"), out, in, config.convKernel()[j]));
                if (config.convBias()) convBias[j] = w.get(p + "conv.bias");
                if (config.isLayerNormLayout() || j == 0) {
                    convNormW[j] = w.get(p + "layer_norm.weight");
                    convNormB[j] = w.get(p + "layer_norm.bias");
                }
                in = out;
            }
            fpNormW = w.get("feature_projection.layer_norm.weight");
            fpNormB = w.get("feature_projection.layer_norm.bias");
            fpW = offHeap(w.get("feature_projection.projection.weight"));
            fpB = w.get("feature_projection.projection.bias");
            posW = offHeap(positionalWeight(config, w.get(ParameterLayout.POS_CONV_G), w.get(ParameterLayout.POS_CONV_V)));
            posB = w.get("encoder.pos_conv_embed.conv.bias");
            encNormW = w.get("encoder.layer_norm.weight");
            encNormB = w.get("encoder.layer_norm.bias");
            layers = new Layer[config.numHiddenLayers()];
            for (int l = 0; l < layers.length; l++) {
                String p = "encoder.layers." + l + ".";
                String a = p + "attention.";
                layers[l] = new Layer(
                        offHeap(concat(w.get(a + "q_proj.weight"), w.get(a + "k_proj.weight"), w.get(a + "v_proj.weight"))),
                        concat(w.get(a + "q_proj.bias"), w.get(a + "k_proj.bias"), w.get(a + "v_proj.bias")),
                        offHeap(w.get(a + "out_proj.weight")), w.get(a + "out_proj.bias"),
                        w.get(p + "layer_norm.weight"), w.get(p + "layer_norm.bias"),
                        offHeap(w.get(p + "feed_forward.intermediate_dense.weight")), w.get(p + "feed_forward.intermediate_dense.bias"),
                        offHeap(w.get(p + "feed_forward.output_dense.weight")), w.get(p + "feed_forward.output_dense.bias"),
                        w.get(p + "final_layer_norm.weight"), w.get(p + "final_layer_norm.bias"));
            }
        } catch (RuntimeException e) {
            for (FloatPointer p : owned) p.close();
            throw e;
        }
        this.pool = threads > 1 ? org.permerge.io.Futures.daemonPool(threads - 1, "blas-encoder") : null;
    }

    /**
     * An encoder owning an off-heap copy of the weights (current transformers names), splitting its Java-side
     * work over {@code threads} threads. Every tensor of {@link ParameterLayout#expectedShapes} must be present
     * with its shape and finite values; the error names the one that is not.
     *
     * @throws IllegalStateException when OpenBLAS's natives cannot load on this platform
     */
    public static BlasEncoder create(EncoderConfig config, StateDict weights, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads: expected a positive count, got " + threads);
        return new BlasEncoder(config, HubertEncoder.checkedWeights(config, weights), threads);
    }

    /** An encoder for a loaded checkpoint, on {@link #defaultThreads} threads. */
    public static BlasEncoder create(EncoderCheckpoint checkpoint) {
        return create(checkpoint.config(), checkpoint.weights(), defaultThreads());
    }

    /** {@code OMP_NUM_THREADS} when set (the count libtorch and OpenBLAS honour too), else every available processor. */
    public static int defaultThreads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp != null && !omp.isBlank()) {
            try {
                int n = Integer.parseInt(omp.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException e) {
                // not a count: fall back below, as OpenMP itself does
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public EncoderConfig config() {
        return config;
    }

    /** The OpenBLAS build and the kernel family it picked for this CPU, for benchmark reports. */
    public static String blasDescription() {
        return OpenBlas.describe();
    }

    /** Sets the threads OpenBLAS runs each GEMM on, process-wide (it also honours {@code OPENBLAS_NUM_THREADS}). */
    public static void setBlasThreads(int n) {
        OpenBlas.setThreads(n);
    }

    /** The threads OpenBLAS runs each GEMM on. */
    public static int blasThreads() {
        return OpenBlas.threads();
    }

    /** Thread-seconds spent in OpenBLAS GEMMs by every BlasEncoder of this process so far, for benchmark breakdowns. */
    public static double gemmThreadSeconds() {
        return OpenBlas.GEMM_NANOS.sum() / 1e9;
    }

    /** Threads a forward pass is split over (GEMMs, norms, GELU, softmax). */
    public int threads() {
        return threads;
    }

    /** Receives the taps of a {@link #forward} while the batch is in memory. */
    public interface TapSink {
        /** Whether the sink wants that tap at all; unwanted taps cost nothing. */
        boolean wants(String tap);

        /**
         * One tap of one batch.
         *
         * @param values [B, T, D] row-major, channels last (conv taps too); the sink may keep it
         * @param valid  real frames of each clip at this tap (the rest are padding)
         */
        void accept(String tap, float[] values, int frames, int dim, int[] valid);
    }

    /**
     * What one forward pass returns.
     *
     * @param hiddenStates    {@code numHiddenLayers + 1} arrays [B, T, H], as {@link EncoderOutput#hiddenStates}
     * @param lastHiddenState [B, T, H] (after the final LayerNorm in the stable layout)
     * @param frames          T, frames of the padded batch
     * @param clipFrames      real frames of each clip
     */
    public record Output(List<float[]> hiddenStates, float[] lastHiddenState, int batch, int frames, int hidden, int[] clipFrames) {
    }

    /**
     * Inference forward pass on DJL arrays, a drop-in for {@link HubertEncoder#forward}: the same outputs in
     * {@code scope}, the same taps in the same order.
     */
    public EncoderOutput forward(NDManager scope, NDArray inputValues, int[] lengths, TapConsumer taps) {
        Shape s = inputValues.getShape();
        if (s.dimension() != 2 || inputValues.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("input_values must be a [B, N] float32 array, got " + inputValues.getDataType() + s);
        }
        int batch = Math.toIntExact(s.get(0));
        int n = Math.toIntExact(s.get(1));
        NDArraySink sink = taps == null ? null : new NDArraySink(scope, batch, taps);
        Output out = forward(inputValues.toFloatArray(), batch, n, lengths, sink);
        List<NDArray> hidden = new ArrayList<>();
        Shape hs = new Shape(batch, out.frames(), out.hidden());
        for (float[] h : out.hiddenStates()) hidden.add(scope.create(h, hs));
        NDArray last = out.lastHiddenState() == out.hiddenStates().get(out.hiddenStates().size() - 1)
                ? hidden.get(hidden.size() - 1) : scope.create(out.lastHiddenState(), hs);
        NDArray mask = scope.create(maskData(out.clipFrames(), out.frames()), new Shape(batch, out.frames()));
        return new EncoderOutput(hidden, last, mask, out.clipFrames());
    }

    /**
     * Inference forward pass.
     *
     * @param audio   [B, N] waveforms row-major, clips left-aligned and zero-padded to N
     * @param lengths real samples of each clip, or null when all are N long
     * @param taps    receives the taps it wants while the batch is in memory, or null
     */
    public synchronized Output forward(float[] audio, int batch, int samples, int[] lengths, TapSink taps) {
        if (closed) throw new IllegalStateException("this BlasEncoder is closed");
        if (batch < 0 || samples < 1 || (long) batch * samples != audio.length) {
            throw new IllegalArgumentException("input_values holds " + audio.length + " samples, expected B x N = " + batch + " x " + samples);
        }
        int[] len = HubertEncoder.checkLengths(lengths, batch, samples);
        for (int i = 0; i < audio.length; i++) {
            if (!Float.isFinite(audio[i])) {
                throw new IllegalArgumentException("input_values holds NaN or infinite samples (at clip " + i / samples
                        + ", sample " + i % samples + "); expected finite waveforms");
            }
        }
        int[] clipFrames = new int[batch];
        for (int b = 0; b < batch; b++) clipFrames[b] = config.framesFor(len[b]);
        HubertEncoder.checkFrames(config, len, clipFrames);
        // Every GEMM runs on one OpenBLAS thread inside this encoder's own parallel passes (fewer hand-offs, and a
        // descheduled thread's share is taken over); the caller's OpenBLAS threads are back while a tap is handled.
        int blasThreads = OpenBlas.threads();
        OpenBlas.setThreads(1);
        try (Arena arena = new Arena()) {
            return run(arena, audio, batch, samples, len, clipFrames, taps == null ? null : new TapSink() {
                @Override
                public boolean wants(String tap) {
                    return taps.wants(tap);
                }

                @Override
                public void accept(String tap, float[] values, int frames, int dim, int[] valid) {
                    OpenBlas.setThreads(blasThreads);
                    try {
                        taps.accept(tap, values, frames, dim, valid);
                    } finally {
                        OpenBlas.setThreads(1);
                    }
                }
            });
        } finally {
            OpenBlas.setThreads(blasThreads);
        }
    }

    private Output run(Arena arena, float[] audio, int batch, int samples, int[] len, int[] clipFrames, TapSink taps) {
        // Feature extractor, channels last: x is [B, t, cIn].
        FloatPointer x = arena.alloc((long) batch * samples);
        x.put(audio);
        int t = samples;
        int cIn = 1;
        int[] valid = len;
        for (int j = 0; j < config.numConvLayers(); j++) {
            int k = config.convKernel()[j];
            int stride = config.convStride()[j];
            int cOut = config.convDim()[j];
            int tOut = (t - k) / stride + 1;
            int[] v = new int[batch];
            for (int b = 0; b < batch; b++) v[b] = (valid[b] - k) / stride + 1;
            FloatPointer y = arena.alloc((long) batch * tOut * cOut);
            for (int b = 0; b < batch; b++) {
                // Row t of clip b's unfolded input: the k·cIn consecutive floats from input row t·stride (see the class comment).
                unfoldGemm(arena, x, (long) b * t * cIn, stride * cIn, k * cIn, tOut, convW[j], 0, cOut, y, (long) b * tOut * cOut, cOut);
            }
            arena.free(x);
            convNormGelu(j, y, batch, tOut, cOut, v);
            emit(taps, Taps.conv(j), y, batch, tOut, cOut, cOut, v);
            x = y;
            t = tOut;
            cIn = cOut;
            valid = v;
        }
        int frames = t;
        int rows = batch * frames;
        int h = config.hiddenSize();
        boolean padded = false;
        for (int b = 0; b < batch; b++) padded |= clipFrames[b] < frames;

        // Feature projection: LayerNorm over the conv channels, then Linear.
        layerNorm(x, x, rows, cIn, fpNormW, fpNormB, lnEps);
        FloatPointer hs = arena.alloc((long) rows * h);
        gemm(true, rows, h, cIn, x, 0, cIn, fpW, 0, cIn, hs, 0, h);
        arena.free(x);
        addBias(hs, rows, h, fpB, false);
        emit(taps, Taps.FEATURE_PROJECTION, hs, batch, frames, h, h, clipFrames);

        // Embedding: padding frames zeroed, positional conv added, encoder LayerNorm in the post-LN layout.
        if (padded) zeroPadding(hs, batch, frames, h, clipFrames);
        FloatPointer pos = positionalConv(arena, hs, batch, frames);
        addBias(pos, rows, h, posB, true);
        emit(taps, Taps.POS_CONV, pos, batch, frames, h, h, clipFrames);
        residualNorm(hs, pos, rows, h, config.doStableLayerNorm() ? null : encNormW, encNormB);
        arena.free(pos);

        List<float[]> hidden = new ArrayList<>();
        hidden.add(copy(hs, rows, h, h));
        emitCopy(taps, Taps.hiddenState(0), hidden.get(0), frames, h, clipFrames);
        FloatPointer qkv = arena.alloc((long) rows * 3 * h);
        FloatPointer ctx = arena.alloc((long) rows * h);
        FloatPointer a = arena.alloc((long) rows * h);
        FloatPointer ff = arena.alloc((long) rows * config.intermediateSize());
        FloatPointer[] scores = new FloatPointer[threads];
        for (int i = 0; i < threads; i++) scores[i] = arena.alloc((long) frames * frames);
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            boolean stable = config.doStableLayerNorm();
            FloatPointer in = hs;
            if (stable) {
                layerNorm(hs, ctx, rows, h, w.ln1W(), w.ln1B(), lnEps);
                in = ctx;
            }
            attention(l, w, in, qkv, ctx, a, scores, batch, frames, clipFrames, taps);
            residualNorm(hs, a, rows, h, stable ? null : w.ln1W(), w.ln1B());
            in = hs;
            if (stable) {
                layerNorm(hs, ctx, rows, h, w.ln2W(), w.ln2B(), lnEps);
                in = ctx;
            }
            int inter = config.intermediateSize();
            gemm(true, rows, inter, h, in, 0, h, w.ffW1(), 0, h, ff, 0, inter);
            if (wants(taps, Taps.intermediateDense(l))) {
                addBias(ff, rows, inter, w.ffB1(), false);
                emit(taps, Taps.intermediateDense(l), ff, batch, frames, inter, inter, clipFrames);
                addBias(ff, rows, inter, null, true);
            } else {
                addBias(ff, rows, inter, w.ffB1(), true);
            }
            emit(taps, Taps.intermediateAct(l), ff, batch, frames, inter, inter, clipFrames);
            gemm(true, rows, h, inter, ff, 0, inter, w.ffW2(), 0, inter, a, 0, h);
            addBias(a, rows, h, w.ffB2(), false);
            emit(taps, Taps.feedForward(l), a, batch, frames, h, h, clipFrames);
            residualNorm(hs, a, rows, h, stable ? null : w.ln2W(), w.ln2B());
            float[] out = copy(hs, rows, h, h);
            hidden.add(out);
            emitCopy(taps, Taps.layer(l), out, frames, h, clipFrames);
            emitCopy(taps, Taps.hiddenState(l + 1), out, frames, h, clipFrames);
        }
        float[] last = hidden.get(hidden.size() - 1);
        if (config.doStableLayerNorm()) {
            layerNorm(hs, hs, rows, h, encNormW, encNormB, lnEps);
            last = copy(hs, rows, h, h);
        }
        emitCopy(taps, Taps.LAST_HIDDEN_STATE, last, frames, h, clipFrames);
        return new Output(hidden, last, batch, frames, h, clipFrames);
    }

    /** Self-attention of one layer on x [B·T, H]; leaves the out_proj output (with bias) in {@code out}. */
    private void attention(int l, Layer w, FloatPointer x, FloatPointer qkv, FloatPointer ctx, FloatPointer out,
                           FloatPointer[] scores, int batch, int frames, int[] clipFrames, TapSink taps) {
        int h = config.hiddenSize();
        int rows = batch * frames;
        int h3 = 3 * h;
        gemm(true, rows, h3, h, x, 0, h, w.qkvW(), 0, h, qkv, 0, h3);
        addBias(qkv, rows, h3, w.qkvB(), false);
        emit(taps, Taps.q(l), qkv, batch, frames, h, h3, clipFrames);
        emitAt(taps, Taps.k(l), qkv, h, batch, frames, h, h3, clipFrames);
        emitAt(taps, Taps.v(l), qkv, 2L * h, batch, frames, h, h3, clipFrames);
        int heads = config.numAttentionHeads();
        int d = config.headDim();
        float scale = (float) (1.0 / Math.sqrt(d));
        // One task per clip and head, each on its participant's own scores buffer, OpenBLAS single-threaded inside.
        parallel(batch * heads, 1, (id, from, to) -> {
            FloatPointer sc = scores[id];
            FloatBuffer sb = sc.asBuffer();
            for (int task = from; task < to; task++) {
                int b = task / heads;
                long hd = (long) (task % heads) * d;
                long base = (long) b * frames * h3;
                // Keys of padding frames get zero weight on the DJL path (an additive -1e9 before the softmax): leave them out.
                int keys = clipFrames[b];
                OpenBlas.sgemm(true, frames, keys, d, scale, qkv, base + hd, h3, qkv, base + h + hd, h3, 0f, sc, 0, keys);
                float[] row = scratch(keys);
                for (int r = 0; r < frames; r++) {
                    sb.get(r * keys, row, 0, keys);
                    softmax(row, keys);
                    sb.put(r * keys, row, 0, keys);
                }
                OpenBlas.sgemm(false, frames, d, keys, 1f, sc, 0, keys, qkv, base + 2L * h + hd, h3, 0f, ctx,
                        (long) b * frames * h + hd, h);
            }
        });
        emit(taps, Taps.outProjInput(l), ctx, batch, frames, h, h, clipFrames);
        gemm(true, rows, h, h, ctx, 0, h, w.outW(), 0, h, out, 0, h);
        addBias(out, rows, h, w.outB(), false);
        emit(taps, Taps.outProj(l), out, batch, frames, h, h, clipFrames);
    }

    /** Conv block j's norm (LayerNorm every block, or per-channel GroupNorm in block 0) and GELU, in place. */
    private void convNormGelu(int j, FloatPointer y, int batch, int frames, int c, int[] valid) {
        float[] bias = convBias[j];
        if (config.isLayerNormLayout()) {
            if (bias != null) addBias(y, batch * frames, c, bias, false);
            layerNorm(y, y, batch * frames, c, convNormW[j], convNormB[j], CONV_NORM_EPS);
            addBias(y, batch * frames, c, null, true);
        } else if (j == 0) {
            if (bias != null) addBias(y, batch * frames, c, bias, false);
            for (int b = 0; b < batch; b++) groupNormGelu(y, (long) b * frames * c, frames, c, valid[b], convNormW[j], convNormB[j]);
        } else {
            addBias(y, batch * frames, c, bias, true);
        }
    }

    /**
     * GroupNorm with one group per channel over one clip's [frames, c] block: statistics over its {@code valid}
     * frames only (padding never leaks into a clip), applied to every frame, then GELU.
     */
    private void groupNormGelu(FloatPointer y, long off, int frames, int c, int valid, float[] gamma, float[] beta) {
        FloatBuffer fb = y.asBuffer();
        double[] mean = columnSums(fb, off, valid, c, null);
        for (int i = 0; i < c; i++) mean[i] /= valid;
        double[] var = columnSums(fb, off, valid, c, mean);
        float[] scale = new float[c];
        float[] shift = new float[c];
        for (int i = 0; i < c; i++) {
            double s = gamma[i] / Math.sqrt(var[i] / valid + CONV_NORM_EPS);
            scale[i] = (float) s;
            shift[i] = (float) (beta[i] - mean[i] * s);
        }
        parallel(frames, rowGrain(frames), (id, from, to) -> {
            float[] row = scratch(c);
            for (int r = from; r < to; r++) {
                int at = Math.toIntExact(off + (long) r * c);
                fb.get(at, row, 0, c);
                for (int i = 0; i < c; i++) row[i] = gelu(row[i] * scale[i] + shift[i]);
                fb.put(at, row, 0, c);
            }
        });
    }

    /** Per-column sums over the first {@code frames} rows (of squared deviations from {@code centre} if given). */
    private double[] columnSums(FloatBuffer fb, long off, int frames, int c, double[] centre) {
        // One partial sum per chunk, added in chunk order: the result does not depend on which thread ran what.
        int grain = rowGrain(frames);
        double[][] partial = new double[Math.max(1, ceilDiv(frames, grain))][c];
        parallel(frames, grain, (id, from, to) -> {
            double[] acc = partial[from / grain];
            float[] row = scratch(c);
            for (int r = from; r < to; r++) {
                fb.get(Math.toIntExact(off + (long) r * c), row, 0, c);
                if (centre == null) {
                    for (int i = 0; i < c; i++) acc[i] += row[i];
                } else {
                    for (int i = 0; i < c; i++) {
                        double dv = row[i] - centre[i];
                        acc[i] += dv * dv;
                    }
                }
            }
        });
        for (int p = 1; p < partial.length; p++) for (int i = 0; i < c; i++) partial[0][i] += partial[p][i];
        return partial[0];
    }

    /**
     * The grouped positional conv (weight norm folded in at creation, "same" padding, the extra frame of an
     * even kernel dropped) of hs [B, T, H], without bias; as one GEMM per clip and group on a group-major,
     * zero-padded copy whose unfolded rows are consecutive.
     */
    private FloatPointer positionalConv(Arena arena, FloatPointer hs, int batch, int frames) {
        int h = config.hiddenSize();
        int groups = config.numConvPosEmbeddingGroups();
        int cg = h / groups;
        int kernel = config.numConvPosEmbeddings();
        int pad = kernel / 2;
        int tp = frames + 2 * pad;
        FloatPointer pos = arena.alloc((long) batch * frames * h);
        FloatPointer xg = arena.alloc((long) groups * tp * cg);
        xg.zero();
        FloatBuffer src = hs.asBuffer();
        FloatBuffer dst = xg.asBuffer();
        for (int b = 0; b < batch; b++) {
            int clip = b;
            parallel(frames, rowGrain(frames), (id, from, to) -> {
                float[] row = scratch(h);
                for (int r = from; r < to; r++) {
                    src.get(Math.toIntExact(((long) clip * frames + r) * h), row, 0, h);
                    for (int g = 0; g < groups; g++) dst.put(Math.toIntExact(((long) g * tp + pad + r) * cg), row, g * cg, cg);
                }
            });
            for (int g = 0; g < groups; g++) {
                unfoldGemm(arena, xg, (long) g * tp * cg, cg, kernel * cg, frames, posW, (long) g * cg * kernel * cg, cg,
                        pos, (long) b * frames * h + (long) g * cg, h);
            }
        }
        arena.free(xg);
        return pos;
    }

    /**
     * y[rows, n] (row length ldy, from yOff) = U·Wᵀ, where row t of the unfolded input U is the {@code width}
     * consecutive floats of x from {@code xOff + t·step} and W is [n, width] from {@code wOff}. Without overlap
     * (step ≥ width) U is x itself read with row length step; otherwise (BLAS wants a row length ≥ the row) U is
     * copied out in chunks of rows, one contiguous copy per row.
     */
    private void unfoldGemm(Arena arena, FloatPointer x, long xOff, int step, int width, int rows, FloatPointer w, long wOff,
                            int n, FloatPointer y, long yOff, int ldy) {
        if (step >= width) {
            gemm(true, rows, n, width, x, xOff, step, w, wOff, width, y, yOff, ldy);
            return;
        }
        long last = xOff + (long) (rows - 1) * step + width;
        if (rows > 0 && last > x.capacity()) {
            throw new IllegalArgumentException("unfolded input: " + rows + " rows of " + width + " from offset " + xOff
                    + " every " + step + " need " + last + " floats, the buffer holds " + x.capacity());
        }
        int chunk = Math.max(1, Math.min(ceilDiv(rows, threads), UNFOLD_CHUNK_FLOATS / width));
        FloatPointer[] u = new FloatPointer[threads];
        for (int i = 0; i < threads; i++) u[i] = arena.alloc((long) chunk * width);
        try {
            parallel(rows, chunk, (id, from, to) -> {
                if (to - from > chunk) throw new IllegalStateException("unfolding chunk of " + (to - from) + " rows, buffer for " + chunk);
                for (int r = from; r < to; r++) {
                    Pointer.memcpy(u[id].getPointer((long) (r - from) * width), x.getPointer(xOff + (long) r * step), (long) width * Float.BYTES);
                }
                OpenBlas.sgemm(true, to - from, n, width, 1f, u[id], 0, width, w, wOff, width, 0f, y, yOff + (long) from * ldy, ldy);
            });
        } finally {
            for (FloatPointer p : u) arena.free(p);
        }
    }

    /**
     * C[m, n] = A[m, k]·op(B) on every participant: split by rows of C when m ≥ n, else by columns (so that each
     * part packs only its share of the larger operand).
     */
    private void gemm(boolean transB, int m, int n, int k, FloatPointer a, long aOff, int lda, FloatPointer b, long bOff, int ldb,
                      FloatPointer c, long cOff, int ldc) {
        if (threads == 1) {
            OpenBlas.sgemm(transB, m, n, k, 1f, a, aOff, lda, b, bOff, ldb, 0f, c, cOff, ldc);
        } else if (m >= n) {
            parallel(m, Math.max(32, ceilDiv(m, 2 * threads)), (id, from, to) ->
                    OpenBlas.sgemm(transB, to - from, n, k, 1f, a, aOff + (long) from * lda, lda, b, bOff, ldb, 0f, c,
                            cOff + (long) from * ldc, ldc));
        } else {
            int grain = Math.max(32, ceilDiv(ceilDiv(n, 2 * threads), 16) * 16);
            parallel(n, grain, (id, from, to) ->
                    OpenBlas.sgemm(transB, m, to - from, k, 1f, a, aOff, lda, b, bOff + (transB ? (long) from * ldb : from), ldb,
                            0f, c, cOff + from, ldc));
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** y += bias per row (bias may be null), then GELU if asked; in place. */
    private void addBias(FloatPointer y, int rows, int width, float[] bias, boolean gelu) {
        if (bias == null && !gelu) return;
        FloatBuffer fb = y.asBuffer();
        parallel(rows, rowGrain(rows), (id, from, to) -> {
            float[] row = scratch(width);
            for (int r = from; r < to; r++) {
                int at = Math.toIntExact((long) r * width);
                fb.get(at, row, 0, width);
                if (bias != null) for (int i = 0; i < width; i++) row[i] += bias[i];
                if (gelu) for (int i = 0; i < width; i++) row[i] = gelu(row[i]);
                fb.put(at, row, 0, width);
            }
        });
    }

    /** h = LayerNorm(h + a) per row, or h = h + a when {@code gamma} is null. */
    private void residualNorm(FloatPointer hs, FloatPointer a, int rows, int width, float[] gamma, float[] beta) {
        FloatBuffer hb = hs.asBuffer();
        FloatBuffer ab = a.asBuffer();
        parallel(rows, rowGrain(rows), (id, from, to) -> {
            float[] row = scratch(2 * width);
            for (int r = from; r < to; r++) {
                int at = Math.toIntExact((long) r * width);
                hb.get(at, row, 0, width);
                ab.get(at, row, width, width);
                for (int i = 0; i < width; i++) row[i] += row[width + i];
                if (gamma != null) normalize(row, width, gamma, beta, lnEps);
                hb.put(at, row, 0, width);
            }
        });
    }

    /** dst = LayerNorm(src) per row (dst may be src). */
    private void layerNorm(FloatPointer src, FloatPointer dst, int rows, int width, float[] gamma, float[] beta, float eps) {
        FloatBuffer sb = src.asBuffer();
        FloatBuffer db = dst.asBuffer();
        parallel(rows, rowGrain(rows), (id, from, to) -> {
            float[] row = scratch(width);
            for (int r = from; r < to; r++) {
                int at = Math.toIntExact((long) r * width);
                sb.get(at, row, 0, width);
                normalize(row, width, gamma, beta, eps);
                db.put(at, row, 0, width);
            }
        });
    }

    /** LayerNorm of row[0, width) in place, statistics in float64 (biased variance, as torch). */
    static void normalize(float[] row, int width, float[] gamma, float[] beta, float eps) {
        double sum = 0;
        for (int i = 0; i < width; i++) sum += row[i];
        double mean = sum / width;
        double sq = 0;
        for (int i = 0; i < width; i++) {
            double dv = row[i] - mean;
            sq += dv * dv;
        }
        float inv = (float) (1.0 / Math.sqrt(sq / width + eps));
        float m = (float) mean;
        for (int i = 0; i < width; i++) row[i] = (row[i] - m) * inv * gamma[i] + beta[i];
    }

    /** Softmax of row[0, n) in place. */
    static void softmax(float[] row, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, row[i]);
        float sum = 0;
        for (int i = 0; i < n; i++) {
            float e = expNonPositive(row[i] - max);
            row[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) row[i] *= inv;
    }

    /**
     * e^x for x ≤ 0 to about 2 ulp: Cody–Waite reduction by ln 2 and Cephes' expf polynomial, cheaper than
     * {@link Math#exp} on the softmax's T² values per head.
     */
    static float expNonPositive(float x) {
        float y = Math.max(x, -87f);
        int n = (int) (y * 1.44269504f - 0.5f);
        float r = y - n * 0.693359375f + n * 2.12194440e-4f;
        float p = 1.9875691500e-4f;
        p = p * r + 1.3981999507e-3f;
        p = p * r + 8.3334519073e-3f;
        p = p * r + 4.1665795894e-2f;
        p = p * r + 1.6666665459e-1f;
        p = p * r + 5.0000001201e-1f;
        p = p * r * r + r + 1f;
        return p * Float.intBitsToFloat((n + 127) << 23);
    }

    /** GELU in transformers' exact form x·Φ(x) = x/2·(1 + erf(x/√2)). */
    static float gelu(float x) {
        return 0.5f * x * (1f + erf(x * 0.70710678f));
    }

    /**
     * erf in float32 to about 1e-7 absolute: Eigen's rational approximation on [-4, 4] (beyond, erf is ±1 in
     * float32), no exponential needed.
     */
    static float erf(float v) {
        float x = Math.min(4f, Math.max(-4f, v));
        float x2 = x * x;
        float p = -2.72614225801306e-10f;
        p = p * x2 + 2.77068142495902e-08f;
        p = p * x2 - 2.10102402082508e-06f;
        p = p * x2 - 5.69250639462346e-05f;
        p = p * x2 - 7.34990630326855e-04f;
        p = p * x2 - 2.95459980854025e-03f;
        p = p * x2 - 1.60960333262415e-02f;
        p *= x;
        float q = -1.45660718464996e-05f;
        q = q * x2 - 2.13374055278905e-04f;
        q = q * x2 - 1.68282697438203e-03f;
        q = q * x2 - 7.37332916720468e-03f;
        q = q * x2 - 1.42647390514189e-02f;
        return p / q;
    }

    private void zeroPadding(FloatPointer hs, int batch, int frames, int h, int[] clipFrames) {
        FloatBuffer fb = hs.asBuffer();
        float[] zeros = new float[h];
        for (int b = 0; b < batch; b++) {
            for (int f = clipFrames[b]; f < frames; f++) fb.put(Math.toIntExact(((long) b * frames + f) * h), zeros, 0, h);
        }
    }

    // ---- taps ----

    private static boolean wants(TapSink taps, String tap) {
        return taps != null && taps.wants(tap);
    }

    private static void emit(TapSink taps, String tap, FloatPointer buf, int batch, int frames, int dim, int ld, int[] valid) {
        emitAt(taps, tap, buf, 0, batch, frames, dim, ld, valid);
    }

    /** Emits the [B·T, dim] block at column {@code col} of a buffer with row length {@code ld}, copied. */
    private static void emitAt(TapSink taps, String tap, FloatPointer buf, long col, int batch, int frames, int dim, int ld,
                               int[] valid) {
        if (!wants(taps, tap)) return;
        float[] values = new float[Math.multiplyExact(batch * frames, dim)];
        FloatBuffer fb = buf.asBuffer();
        for (int r = 0; r < batch * frames; r++) fb.get(Math.toIntExact(r * (long) ld + col), values, r * dim, dim);
        taps.accept(tap, values, frames, dim, valid.clone());
    }

    private static void emitCopy(TapSink taps, String tap, float[] values, int frames, int dim, int[] valid) {
        if (wants(taps, tap)) taps.accept(tap, values.clone(), frames, dim, valid.clone());
    }

    private static float[] copy(FloatPointer buf, int rows, int width, int ld) {
        float[] out = new float[Math.multiplyExact(rows, width)];
        FloatBuffer fb = buf.asBuffer();
        if (ld == width) {
            fb.get(0, out, 0, out.length);
        } else {
            for (int r = 0; r < rows; r++) fb.get(Math.toIntExact((long) r * ld), out, r * width, width);
        }
        return out;
    }

    static boolean[] maskData(int[] valid, int frames) {
        boolean[] mask = new boolean[valid.length * frames];
        for (int b = 0; b < valid.length; b++) {
            for (int f = 0; f < Math.min(valid[b], frames); f++) mask[b * frames + f] = true;
        }
        return mask;
    }

    /** Hands taps to a {@link TapConsumer} as DJL arrays in the forward's scope, each freed after its call. */
    private static final class NDArraySink implements TapSink {
        private final NDManager scope;
        private final int batch;
        private final TapConsumer consumer;

        NDArraySink(NDManager scope, int batch, TapConsumer consumer) {
            this.scope = scope;
            this.batch = batch;
            this.consumer = consumer;
        }

        @Override
        public boolean wants(String tap) {
            return consumer.wants(tap);
        }

        @Override
        public void accept(String tap, float[] values, int frames, int dim, int[] valid) {
            try (NDManager sub = scope.newSubManager()) {
                NDArray a = sub.create(values, new Shape(batch, frames, dim));
                NDArray m = sub.create(maskData(valid, frames), new Shape(batch, frames));
                consumer.accept(tap, a, m);
            }
        }
    }

    // ---- weights ----

    private FloatPointer offHeap(float[] values) {
        FloatPointer p = new FloatPointer(values.length);
        p.put(values);
        owned.add(p);
        return p;
    }

    /** [out, in, k] → [out, k, in]: the row layout of a channels-last unfolded input. */
    private static float[] kernelMajor(float[] w, int out, int in, int k) {
        float[] r = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int j = 0; j < k; j++) r[(o * k + j) * in + c] = w[(o * in + c) * k + j];
            }
        }
        return r;
    }

    /** The positional conv's weight w = g·v/‖v‖ (norm per kernel tap over both channel axes), kernel-major. */
    private static float[] positionalWeight(EncoderConfig c, float[] g, float[] v) {
        int h = c.hiddenSize();
        int cg = h / c.numConvPosEmbeddingGroups();
        int k = c.numConvPosEmbeddings();
        double[] norm = new double[k];
        for (int i = 0; i < v.length; i++) norm[i % k] += (double) v[i] * v[i];
        float[] w = new float[v.length];
        for (int i = 0; i < v.length; i++) w[i] = (float) (g[i % k] * v[i] / Math.sqrt(norm[i % k]));
        return kernelMajor(w, h, cg, k);
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] r = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, r, at, p.length);
            at += p.length;
        }
        return r;
    }

    // ---- threads and buffers ----

    /** A share of a parallel pass: rows [from, to), run by participant {@code id} (0 = the calling thread). */
    private interface Task {
        void run(int id, int from, int to);
    }

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) {
            s = new float[n];
            SCRATCH.set(s);
        }
        return s;
    }

    /** Rows per chunk of an elementwise pass: about four chunks per thread, so that a descheduled thread's share is taken over. */
    private int rowGrain(int rows) {
        return Math.max(MIN_ROWS_PER_TASK, ceilDiv(rows, 4 * threads));
    }

    /**
     * Runs body over [0, n) in chunks of {@code grain}, pulled one at a time by the calling thread and the pool's
     * workers: on a busy machine a descheduled worker's chunks are taken over instead of waited for. Returns when
     * every chunk is done (a worker that starts late finds none left).
     */
    private void parallel(int n, int grain, Task body) {
        int chunks = ceilDiv(n, grain);
        if (chunks <= 1 || pool == null) {
            // chunk by chunk all the same: a task may size its buffers by the grain
            for (int c = 0; c < chunks; c++) body.run(0, c * grain, Math.min(n, (c + 1) * grain));
            return;
        }
        Job job = new Job(n, grain, chunks, body);
        int helpers = Math.min(threads - 1, chunks - 1);
        for (int i = 1; i <= helpers; i++) {
            int id = i;
            pool.execute(() -> job.work(id));
        }
        job.work(0);
        job.await();
    }

    /** One parallel pass: a chunk counter shared by its participants. */
    private static final class Job {
        private final int n;
        private final int grain;
        private final int chunks;
        private final Task body;
        private final AtomicInteger next = new AtomicInteger();
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int n, int grain, int chunks, Task body) {
            this.n = n;
            this.grain = grain;
            this.chunks = chunks;
            this.body = body;
            this.done = new CountDownLatch(chunks);
        }

        void work(int id) {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) body.run(id, c * grain, Math.min(n, (c + 1) * grain));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }
        }

        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // chunks in flight write into this pass's buffers: wait for them regardless
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            Throwable e = failure.get();
            if (e instanceof RuntimeException re) throw re;
            if (e instanceof Error err) throw err;
            if (e != null) throw new IllegalStateException(e);
        }
    }

    /** The activations of one forward pass: off-heap buffers freed when it closes. */
    private static final class Arena implements AutoCloseable {
        private final List<FloatPointer> live = new ArrayList<>();

        FloatPointer alloc(long n) {
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("an activation of " + n + " floats is larger than one buffer may be; use shorter clips or smaller batches");
            }
            FloatPointer p = new FloatPointer(n);
            live.add(p);
            return p;
        }

        void free(FloatPointer p) {
            if (live.remove(p)) p.close();
        }

        @Override
        public void close() {
            for (FloatPointer p : live) p.close();
            live.clear();
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (pool != null) pool.shutdownNow();
        for (FloatPointer p : owned) p.close();
        owned.clear();
    }
}
