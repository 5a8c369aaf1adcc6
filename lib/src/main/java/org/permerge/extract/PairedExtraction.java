package org.permerge.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.io.Progress;
import org.permerge.model.EncoderConfig;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;
import org.permerge.model.Taps;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Pipeline step 1 for a pair: runs model A and model B over the same clips, each with its own preprocessing
 * and sample rate, and hands every tap both models have to a {@link PairedTapConsumer} as row-aligned frames,
 * padding dropped. When B's frames fall at other times than A's (another sample rate, e.g. MERT-v1 at
 * 24 kHz / 75 frames per second), B's activations are interpolated linearly onto A's frame times.
 *
 * <p>A's tapped frames of one batch are held until B's forward pass reaches the same tap; keep batches
 * moderate ({@link Builder#optMaxBatchSeconds}) when every tap is wanted.
 */
public final class PairedExtraction {
    private final HubertEncoder encoderA;
    private final Preprocessor preA;
    private final HubertEncoder encoderB;
    private final Preprocessor preB;
    private final double maxBatchSeconds;
    private final boolean resample;
    private final Progress progress;

    private PairedExtraction(Builder b) {
        this.encoderA = Objects.requireNonNull(b.encoderA, "setModelA is required");
        this.preA = b.preA;
        this.encoderB = Objects.requireNonNull(b.encoderB, "setModelB is required");
        this.preB = b.preB;
        this.maxBatchSeconds = b.maxBatchSeconds;
        this.resample = b.resample;
        this.progress = b.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Extracts from mono clips all at {@code sampleRate} (each model's rate is reached by resampling if enabled). */
    public ExtractionSummary run(List<float[]> clips, int sampleRate, PairedTapConsumer consumer) {
        return run(ClipSource.of(clips, sampleRate), consumer);
    }

    /** Extracts from every clip of a manifest (loaded batch by batch). */
    public ExtractionSummary run(Manifest manifest, PairedTapConsumer consumer) {
        return run(ClipSource.of(manifest), consumer);
    }

    private ExtractionSummary run(ClipSource source, PairedTapConsumer consumer) {
        long t0 = System.nanoTime();
        Set<String> common = new HashSet<>(Taps.all(encoderA.config()));
        common.retainAll(new HashSet<>(Taps.all(encoderB.config())));
        Pairing pairing = new Pairing(common, consumer);
        ForwardLoop.builder()
                .addModel(encoderA, ClipPreparation.of(preA, encoderA.config()).withResample(resample).named("A"))
                .addModel(encoderB, ClipPreparation.of(preB, encoderB.config()).withResample(resample).named("B"))
                .optBatches(ClipBatches.longestFirst(maxBatchSeconds)).optProgress(progress, "extract A+B").build()
                .run(source, pairing);
        return new ExtractionSummary(source.size(), pairing.frames, pairing.seconds, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * A's pass holds its real frames of each common tap in the batch's scope; B's pass pairs its own with them, on
     * A's frames, and hands both to the consumer.
     */
    private final class Pairing implements ForwardLoop.BatchConsumer {
        private final Set<String> common;
        private final PairedTapConsumer consumer;
        private Map<String, NDArray> held;
        private Map<String, int[]> heldFrames;
        long frames;
        double seconds;

        Pairing(Set<String> common, PairedTapConsumer consumer) {
            this.common = common;
            this.consumer = consumer;
        }

        @Override
        public TapConsumer taps(ForwardLoop.Batch batch, int model) {
            if (model == 0) {
                held = new HashMap<>();
                heldFrames = new HashMap<>();
                return new TapConsumer() {
                    @Override
                    public void accept(String tap, NDArray activation, NDArray frameMask) {
                        NDArray real = ForwardLoop.realFrames(activation, frameMask);
                        real.attach(batch.scope());
                        held.put(tap, real);
                        heldFrames.put(tap, ForwardLoop.frameCounts(frameMask));
                    }

                    @Override
                    public boolean wants(String tap) {
                        return common.contains(tap) && consumer.wants(tap);
                    }
                };
            }
            return new TapConsumer() {
                @Override
                public void accept(String tap, NDArray activation, NDArray frameMask) {
                    NDArray a = held.remove(tap);
                    NDArray b = onFramesOfA(tap, activation, frameMask, heldFrames.get(tap));
                    consumer.accept(tap, a, b);
                    a.close();
                }

                @Override
                public boolean wants(String tap) {
                    return held.containsKey(tap);
                }
            };
        }

        @Override
        public void accept(ForwardLoop.Batch batch, int model, EncoderOutput out) {
            if (model != 0) return;
            for (int f : out.frames()) frames += f;
            for (int row = 0; row < batch.size(); row++) seconds += batch.audioSeconds(row);
        }
    }

    /** B's [B, T, D] activations as [N_A, D] rows at A's frame times (exact rows when both grids coincide). */
    NDArray onFramesOfA(String tap, NDArray activation, NDArray frameMask, int[] framesA) {
        FrameGrid ga = FrameGrid.of(encoderA.config(), preA.samplingRate(), tap);
        FrameGrid gb = FrameGrid.of(encoderB.config(), preB.samplingRate(), tap);
        int[] framesB = ForwardLoop.frameCounts(frameMask);
        if (ga.equals(gb) && Arrays.equals(framesA, framesB)) return ForwardLoop.realFrames(activation, frameMask);
        return interpolate(activation, framesB, framesA, ga, gb);
    }

    /** Linear interpolation of each clip's B frames at A's frame centres (clamped to B's first/last frame). */
    static NDArray interpolate(NDArray activation, int[] framesB, int[] framesA, FrameGrid ga, FrameGrid gb) {
        long clips = activation.getShape().get(0);
        long t = activation.getShape().get(1);
        long d = activation.getShape().get(2);
        int n = Arrays.stream(framesA).sum();
        long[] lo = new long[n];
        long[] hi = new long[n];
        float[] w = new float[n];
        int row = 0;
        for (int c = 0; c < clips; c++) {
            int last = framesB[c] - 1;
            for (int i = 0; i < framesA[c]; i++, row++) {
                double u = Math.min(Math.max(gb.frameAt(ga.timeOf(i)), 0), last);
                int l = (int) Math.floor(u);
                int h = Math.min(l + 1, last);
                lo[row] = c * t + l;
                hi[row] = c * t + h;
                w[row] = (float) (u - l);
            }
        }
        NDManager m = activation.getManager();
        NDArray flat = activation.reshape(clips * t, d);
        NDArray a = flat.get(m.create(lo));
        NDArray b = flat.get(m.create(hi));
        return a.add(b.sub(a).mul(m.create(w, new Shape(n, 1))));
    }

    /** Builder: {@code set…} required, {@code opt…} optional. */
    public static final class Builder extends ExtractionOptions<Builder> {
        private HubertEncoder encoderA;
        private Preprocessor preA;
        private HubertEncoder encoderB;
        private Preprocessor preB;

        private Builder() {
            super(30);
        }

        @Override
        Builder self() {
            return this;
        }

        /** The reference model (its frames define the rows) and its declared preprocessing. */
        public Builder setModelA(HubertEncoder encoder, Preprocessor preprocessor) {
            this.encoderA = encoder;
            this.preA = Objects.requireNonNull(preprocessor, "model A's preprocessor");
            return this;
        }

        /** The model to align to A and its own declared preprocessing (rate, normalisation). */
        public Builder setModelB(HubertEncoder encoder, Preprocessor preprocessor) {
            this.encoderB = encoder;
            this.preB = Objects.requireNonNull(preprocessor, "model B's preprocessor");
            return this;
        }

        public PairedExtraction build() {
            return new PairedExtraction(this);
        }
    }
}
