package org.permerge.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import org.permerge.io.Futures;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import me.tongfei.progressbar.ProgressBar;
import org.permerge.audio.Audio;
import org.permerge.io.Progress;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;

/**
 * The library's one batched forward loop: walks a clip list in batches ({@link ClipBatches}), loads each batch's
 * clips once, prepares them for every model ({@link ClipPreparation}), runs each model's encoder over the batch in
 * turn and hands its taps and output to a {@link BatchConsumer}, reporting progress through {@link Progress}.
 * The extractions, the probe features, the output similarity and the invariance check all run on it.
 *
 * <p>Each batch lives in its own scope, opened before its first model runs and closed after its last, so one
 * model's frames can be held for the next model's pass over the same clips. With several workers, batches run on
 * that many threads at once (each batch on one thread); the batches, and so every value, are the same for any
 * number of workers, and the consumer is called from those threads.
 */
public final class ForwardLoop {
    private final List<HubertEncoder> encoders;
    private final List<ClipPreparation> preparations;
    private final ClipBatches batches;
    private final int workers;
    private final Progress progress;
    private final String task;

    private ForwardLoop(Builder b) {
        if (b.encoders.isEmpty()) throw new IllegalArgumentException("addModel is required (at least one encoder)");
        this.encoders = List.copyOf(b.encoders);
        this.preparations = List.copyOf(b.preparations);
        this.batches = b.batches;
        this.workers = b.workers;
        this.progress = b.progress;
        this.task = b.task;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What the loop hands each model's pass over a batch to. */
    public interface BatchConsumer {
        /**
         * The taps wanted from {@code model}'s pass over {@code batch} (null for none), asked just before that pass;
         * see {@link TapConsumer} for how long its arrays live.
         */
        default TapConsumer taps(Batch batch, int model) {
            return null;
        }

        /** {@code model}'s output over {@code batch}; its arrays are freed when this returns. */
        void accept(Batch batch, int model, EncoderOutput output);
    }

    /**
     * One batch: which clips, how each model sees them, and a scope that outlives every model's pass over it.
     */
    public static final class Batch {
        private final int index;
        private final int[] clips;
        private final double[] audioSeconds;
        private final List<List<float[]>> inputs;
        private final NDManager scope;

        private Batch(int index, int[] clips, double[] audioSeconds, List<List<float[]>> inputs, NDManager scope) {
            this.index = index;
            this.clips = clips;
            this.audioSeconds = audioSeconds;
            this.inputs = inputs;
            this.scope = scope;
        }

        /** The batch's place in the plan. */
        public int index() {
            return index;
        }

        /** Indices of the batch's clips in the clip list, in the order of the encoder's rows. */
        public int[] clips() {
            return clips.clone();
        }

        /** Number of clips. */
        public int size() {
            return clips.length;
        }

        /** The clip list's index of the batch's row {@code row}. */
        public int clip(int row) {
            return clips[row];
        }

        /** Seconds of audio of the batch's row {@code row}, as loaded (before preparation). */
        public double audioSeconds(int row) {
            return audioSeconds[row];
        }

        /** The batch's clips as {@code model} received them (prepared by its {@link ClipPreparation}). */
        public List<float[]> inputs(int model) {
            return inputs.get(model);
        }

        /** Arrays attached here live until every model has run over the batch. */
        public NDManager scope() {
            return scope;
        }
    }

    /** Runs every model over every clip of {@code source}. */
    public void run(ClipSource source, BatchConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        for (ClipPreparation p : preparations) p.checkLengths(source);
        List<int[]> plan = batches.plan(source);
        AtomicInteger next = new AtomicInteger();
        try (ProgressBar bar = progress != null ? progress.start(task, source.size()) : null) {
            Runnable work = () -> {
                try {
                    for (int k; (k = next.getAndIncrement()) < plan.size(); ) {
                        runBatch(source, k, plan.get(k), consumer);
                        if (bar != null) bar.stepBy(plan.get(k).length);
                    }
                } catch (RuntimeException | Error e) {
                    next.set(plan.size());   // the other workers stop after their current batch
                    throw e;
                }
            };
            runOn(Math.min(workers, plan.size()), work);
        }
    }

    private void runBatch(ClipSource source, int index, int[] clips, BatchConsumer consumer) {
        List<List<float[]>> inputs = new ArrayList<>();
        for (int m = 0; m < encoders.size(); m++) inputs.add(new ArrayList<>(clips.length));
        double[] seconds = new double[clips.length];
        for (int row = 0; row < clips.length; row++) {
            Audio audio = source.load(clips[row]);
            for (int m = 0; m < encoders.size(); m++) inputs.get(m).add(preparations.get(m).prepare(audio, source.name(clips[row])));
            seconds[row] = audio.durationSeconds();
        }
        try (NDManager batchScope = NDManager.newBaseManager(encoders.get(0).device())) {
            Batch batch = new Batch(index, clips, seconds, inputs, batchScope);
            for (int m = 0; m < encoders.size(); m++) {
                try (NDManager scope = batchScope.newSubManager()) {
                    EncoderOutput out = encoders.get(m).forward(scope, inputs.get(m), consumer.taps(batch, m));
                    consumer.accept(batch, m, out);
                }
            }
        }
    }

    /** Runs {@code work} on {@code n} threads (the caller's when 1) and rethrows the first failure. */
    private static void runOn(int n, Runnable work) {
        if (n <= 1) {
            work.run();
            return;
        }
        ExecutorService pool = Futures.daemonPool(n, "permerge-forward");
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < n; i++) running.add(pool.submit(work));
            for (Future<?> f : running) Futures.await(f, "the forward passes");
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code [B, T, D]} activations → {@code [N, D]} rows of the frames the {@code [B, T]} mask keeps, clip after clip. */
    public static NDArray realFrames(NDArray activation, NDArray frameMask) {
        return activation.get(frameMask);
    }

    /** Real frames of each clip, from a {@code [B, T]} mask. */
    public static int[] frameCounts(NDArray frameMask) {
        boolean[] m = frameMask.toBooleanArray();
        int b = (int) frameMask.getShape().get(0);
        int t = (int) frameMask.getShape().get(1);
        int[] n = new int[b];
        for (int i = 0; i < b; i++) {
            int c = 0;
            for (int f = 0; f < t; f++) if (m[i * t + f]) c++;
            n[i] = c;
        }
        return n;
    }

    /** Builder: {@code addModel} at least once; {@code opt…} optional. */
    public static final class Builder {
        private final List<HubertEncoder> encoders = new ArrayList<>();
        private final List<ClipPreparation> preparations = new ArrayList<>();
        private ClipBatches batches = ClipBatches.all();
        private int workers = 1;
        private Progress progress;
        private String task = "forward";

        private Builder() {}

        /** A model to run over each batch, after those added before it (its index in the consumer's calls). */
        public Builder addModel(HubertEncoder encoder, ClipPreparation preparation) {
            encoders.add(Objects.requireNonNull(encoder, "encoder"));
            preparations.add(Objects.requireNonNull(preparation, "clip preparation"));
            return this;
        }

        /** How clips are grouped into forward passes (default: all in one). */
        public Builder optBatches(ClipBatches batches) {
            this.batches = Objects.requireNonNull(batches, "batches");
            return this;
        }

        /**
         * Batches run at once, each on its own thread (default 1): for a small encoder whose ops are too small for
         * libtorch's own thread pool to keep the cores busy. The consumer must then accept batches concurrently.
         */
        public Builder optWorkers(int workers) {
            if (workers <= 0) throw new IllegalArgumentException("workers must be positive, got " + workers);
            this.workers = workers;
            return this;
        }

        /** Where to report progress, stepped per clip under the name {@code task}; {@code null} (the default) reports none. */
        public Builder optProgress(Progress progress, String task) {
            this.progress = progress;
            this.task = Objects.requireNonNull(task, "task");
            return this;
        }

        public ForwardLoop build() {
            return new ForwardLoop(this);
        }
    }
}
