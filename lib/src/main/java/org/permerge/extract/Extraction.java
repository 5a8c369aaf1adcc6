package org.permerge.extract;

import ai.djl.ndarray.NDArray;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.io.Progress;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;

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
        long[] frames = {0};
        double[] seconds = {0};
        ForwardLoop.builder().addModel(encoder, ClipPreparation.of(preprocessor, encoder.config()).withResample(resample))
                .optBatches(ClipBatches.longestFirst(maxBatchSeconds)).optProgress(progress, "extract").build()
                .run(source, new ForwardLoop.BatchConsumer() {
                    @Override
                    public TapConsumer taps(ForwardLoop.Batch batch, int model) {
                        return new TapConsumer() {
                            @Override
                            public void accept(String tap, NDArray activation, NDArray frameMask) {
                                consumer.accept(tap, ForwardLoop.realFrames(activation, frameMask));
                            }

                            @Override
                            public boolean wants(String tap) {
                                return consumer.wants(tap);
                            }
                        };
                    }

                    @Override
                    public void accept(ForwardLoop.Batch batch, int model, EncoderOutput out) {
                        for (float[] x : batch.inputs(model)) seconds[0] += x.length / (double) preprocessor.samplingRate();
                        for (int f : out.frames()) frames[0] += f;
                    }
                });
        return new ExtractionSummary(source.size(), frames[0], seconds[0], (System.nanoTime() - t0) / 1e9);
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
