package org.permerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.audio.Manifest;
import org.permerge.audio.Resampler;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;

/**
 * Probe inputs from a frozen encoder: every hidden state ({@code hidden_states.0..L}), pooled over each clip's
 * real frames (padding excluded) as a {@link Pooling} says, giving {@code [clips, L + 1, pooling.dim(hidden)]}.
 */
public final class ProbeFeatures {
    private ProbeFeatures() {}

    /** Mean-pooled hidden states: {@link #hiddenStates(HubertEncoder, Preprocessor, List, int, String, Pooling)} with {@link Pooling#MEAN}. */
    public static LayerFeatures hiddenStates(HubertEncoder encoder, Preprocessor preprocessor, List<Manifest.Clip> clips,
                                             int batchSize, String label) {
        return hiddenStates(encoder, preprocessor, clips, batchSize, label, Pooling.MEAN);
    }

    /** {@link #hiddenStates(HubertEncoder, Preprocessor, List, int, String, Pooling, int)} on one worker. */
    public static LayerFeatures hiddenStates(HubertEncoder encoder, Preprocessor preprocessor, List<Manifest.Clip> clips,
                                             int batchSize, String label, Pooling pooling) {
        return hiddenStates(encoder, preprocessor, clips, batchSize, label, pooling, 1);
    }

    /**
     * Runs the encoder over the clips in batches; each clip is resampled to the preprocessor's rate and
     * normalised as the preprocessor says, and each hidden state pooled over the clip's real frames.
     *
     * @param workers batches run on this many threads at once (each batch on one thread, its rows written to its own
     *                place), for a small encoder whose ops are too small for libtorch's own thread pool to help; the
     *                batches and so every value are the same for any number of workers
     */
    public static LayerFeatures hiddenStates(HubertEncoder encoder, Preprocessor preprocessor, List<Manifest.Clip> clips,
                                             int batchSize, String label, Pooling pooling, int workers) {
        if (clips.isEmpty()) throw new IllegalArgumentException("no clips to extract features from");
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (workers <= 0) throw new IllegalArgumentException("workers must be positive, got " + workers);
        int layers = encoder.config().numHiddenLayers() + 1;
        int hidden = pooling.dim(encoder.config().hiddenSize());
        float[] out = new float[clips.size() * layers * hidden];
        String[] ids = new String[clips.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = clips.get(i).id();
        int batches = (clips.size() + batchSize - 1) / batchSize;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("features " + label).setInitialMax(clips.size())
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build()) {
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            Runnable work = () -> {
                try {
                    for (int k; (k = next.getAndIncrement()) < batches; ) {
                        int start = k * batchSize;
                        int b = Math.min(batchSize, clips.size() - start);
                        float[] v = batch(encoder, preprocessor, clips.subList(start, start + b), layers, pooling);
                        System.arraycopy(v, 0, out, start * layers * hidden, v.length);
                        bar.stepBy(b);
                    }
                } catch (RuntimeException | Error e) {
                    next.set(batches);   // the other workers stop after their current batch
                    throw e;
                }
            };
            runOn(Math.min(workers, batches), work);
        }
        return new LayerFeatures(ids, layers, hidden, out);
    }

    /** One batch's pooled features, row-major {@code [B, L, dim]}. */
    private static float[] batch(HubertEncoder encoder, Preprocessor preprocessor, List<Manifest.Clip> clips, int layers, Pooling pooling) {
        List<float[]> batch = new ArrayList<>(clips.size());
        for (Manifest.Clip c : clips) batch.add(prepare(c, preprocessor, encoder.minSamples()));
        try (NDManager scope = NDManager.newBaseManager(encoder.device())) {
            EncoderOutput o = encoder.forward(scope, batch, null);
            if (o.hiddenStates().size() != layers) {
                throw new IllegalStateException("encoder returned " + o.hiddenStates().size() + " hidden states, expected " + layers);
            }
            NDArray mask = o.frameMask().toType(DataType.FLOAT32, false).expandDims(2);   // [B, T, 1]
            NDArray count = mask.sum(new int[] {1}).maximum(1f);                            // [B, 1]
            NDList pooled = new NDList();
            for (NDArray h : o.hiddenStates()) {
                NDArray mean = h.mul(mask).sum(new int[] {1}).div(count);                      // [B, H]
                if (pooling == Pooling.MEAN) {
                    pooled.add(mean);
                } else {
                    // deviation about the mean (two-pass: no cancellation for units with a large mean)
                    NDArray dev = h.sub(mean.expandDims(1)).mul(mask);
                    NDArray std = dev.mul(dev).sum(new int[] {1}).div(count).sqrt();
                    pooled.add(mean.concat(std, 1));                                           // [B, 2H]
                }
            }
            return ai.djl.ndarray.NDArrays.stack(pooled, 1).toFloatArray();                   // [B, L, dim]
        }
    }

    /** Runs {@code work} on {@code n} threads (the caller's when 1) and rethrows the first failure. */
    private static void runOn(int n, Runnable work) {
        if (n <= 1) {
            work.run();
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "permerge-features");
            t.setDaemon(true);
            return t;
        });
        try {
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (int i = 0; i < n; i++) running.add(pool.submit(work));
            for (java.util.concurrent.Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException r) throw r;
                    if (c instanceof Error err) throw err;
                    throw new IllegalStateException("feature extraction failed: " + c, c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted during feature extraction", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One clip's waveform as the model expects it: mono, resampled, normalised, at least one frame long. */
    public static float[] prepare(Manifest.Clip clip, Preprocessor preprocessor, int minSamples) {
        var audio = clip.load();
        float[] x = audio.mono();
        if (audio.sampleRate() != preprocessor.samplingRate()) {
            x = Resampler.resample(x, audio.sampleRate(), preprocessor.samplingRate());
        }
        if (x.length < minSamples) {
            // Too short for one frame of the conv stack: pad with silence rather than fail the whole table.
            x = java.util.Arrays.copyOf(x, minSamples);
        }
        return preprocessor.apply(x, preprocessor.samplingRate());
    }
}
