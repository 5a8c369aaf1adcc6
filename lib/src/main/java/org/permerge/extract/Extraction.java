package org.permerge.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import me.tongfei.progressbar.ProgressBar;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.io.Progress;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Pipeline step 1 for one model: runs an encoder over a list of clips (batching clips of similar length,
 * each prepared by the model's own preprocessing) and streams every wanted tap's real frames, padding
 * dropped, to a {@link FrameTapConsumer}.
 */
public final class Extraction {
    private final HubertEncoder encoder;
    private final Preprocessor preprocessor;
    private final double maxBatchSeconds;
    private final boolean resample;
    private final Progress progress;

    private Extraction(Builder b) {
        this.encoder = Objects.requireNonNull(b.encoder, "setEncoder is required");
        this.preprocessor = Objects.requireNonNull(b.preprocessor, "setPreprocessor is required");
        this.maxBatchSeconds = b.maxBatchSeconds;
        this.resample = b.resample;
        this.progress = b.progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Extracts from mono clips all at {@code sampleRate}. */
    public ExtractionSummary run(List<float[]> clips, int sampleRate, FrameTapConsumer consumer) {
        return run(ClipSource.of(clips, sampleRate), consumer);
    }

    /** Extracts from every clip of a manifest (loaded batch by batch). */
    public ExtractionSummary run(Manifest manifest, FrameTapConsumer consumer) {
        return run(ClipSource.of(manifest), consumer);
    }

    private ExtractionSummary run(ClipSource source, FrameTapConsumer consumer) {
        long t0 = System.nanoTime();
        long frames = 0;
        double seconds = 0;
        Batching.checkLengths(source, "", encoder.config(), preprocessor);
        List<int[]> plan = Batching.plan(source, maxBatchSeconds);
        try (ProgressBar bar = progress != null ? progress.start("extract", source.size()) : null;
             NDManager root = NDManager.newBaseManager(encoder.device())) {
            for (int[] batch : plan) {
                List<float[]> clips = new ArrayList<>(batch.length);
                for (int i : batch) {
                    clips.add(Batching.checkLength(Batching.prepare(source.load(i), preprocessor, resample, source.name(i)),
                            encoder.config(), "", source.name(i)));
                    seconds += clips.get(clips.size() - 1).length / (double) preprocessor.samplingRate();
                }
                try (NDManager scope = root.newSubManager()) {
                    EncoderOutput out = encoder.forward(scope, clips, new TapConsumer() {
                        @Override
                        public void accept(String tap, NDArray activation, NDArray frameMask) {
                            consumer.accept(tap, Batching.realFrames(activation, frameMask));
                        }

                        @Override
                        public boolean wants(String tap) {
                            return consumer.wants(tap);
                        }
                    });
                    for (int f : out.frames()) frames += f;
                }
                if (bar != null) bar.stepBy(batch.length);
            }
        }
        return new ExtractionSummary(source.size(), frames, seconds, (System.nanoTime() - t0) / 1e9);
    }

    /** Builder: {@code set…} required, {@code opt…} optional. */
    public static final class Builder extends ExtractionOptions<Builder> {
        private HubertEncoder encoder;
        private Preprocessor preprocessor;

        private Builder() {
            super(60);
        }

        @Override
        Builder self() {
            return this;
        }

        public Builder setEncoder(HubertEncoder encoder) {
            this.encoder = encoder;
            return this;
        }

        /** The model's declared input preparation (its rate and per-clip normalisation). */
        public Builder setPreprocessor(Preprocessor preprocessor) {
            this.preprocessor = preprocessor;
            return this;
        }

        public Extraction build() {
            return new Extraction(this);
        }
    }
}
