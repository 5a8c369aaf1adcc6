package org.permerge.merge;

import org.permerge.audio.Manifest;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.extract.Extraction;
import org.permerge.extract.ExtractionSummary;
import org.permerge.extract.FrameTapConsumer;
import org.permerge.model.HubertEncoder;

import java.util.List;
import java.util.Objects;

/**
 * The audio a measured REPAIR pass runs over: a calibration manifest (clips loaded batch by batch) or clips
 * in memory; either way it goes through the extraction step with the model's own preprocessing.
 */
public final class CalibrationAudio {
    private final Manifest manifest;
    private final List<float[]> clips;
    private final int sampleRate;
    private final boolean resample;
    private final double maxBatchSeconds;
    /** Set for clips already prepared for the model: they pass through unchanged, whatever the model's preprocessing. */
    private final Preprocessor passThrough;

    private CalibrationAudio(Manifest manifest, List<float[]> clips, int sampleRate, boolean resample, double maxBatchSeconds,
                             Preprocessor passThrough) {
        this.passThrough = passThrough;
        this.manifest = manifest;
        this.clips = clips;
        this.sampleRate = sampleRate;
        this.resample = resample;
        this.maxBatchSeconds = maxBatchSeconds;
    }

    /** The same audio run in batches of at most this much padded audio (clips × longest clip). */
    public CalibrationAudio withMaxBatchSeconds(double seconds) {
        if (!(seconds > 0)) throw new IllegalArgumentException("batch seconds must be positive, got " + seconds);
        return new CalibrationAudio(manifest, clips, sampleRate, resample, seconds, passThrough);
    }

    /** Every clip of a manifest; {@code resample} allows clips at another rate than the model's. */
    public static CalibrationAudio of(Manifest manifest, boolean resample) {
        return new CalibrationAudio(Objects.requireNonNull(manifest, "manifest"), null, 0, resample, Double.NaN, null);
    }

    /** Raw mono clips at one sample rate (the model's preprocessing is applied to them). */
    public static CalibrationAudio of(List<float[]> clips, int sampleRate) {
        if (clips.isEmpty()) throw new IllegalArgumentException("calibration audio has no clips");
        return new CalibrationAudio(null, List.copyOf(clips), sampleRate, false, Double.NaN, null);
    }

    /**
     * Clips already prepared for the model (at its rate, normalised if it normalises), run as given about
     * {@code batchSize} clips at a time: the model's own preprocessing is not applied again.
     */
    public static CalibrationAudio prepared(List<float[]> clips, int batchSize) {
        if (clips.isEmpty()) throw new IllegalArgumentException("calibration audio has no clips");
        int longest = 0;
        for (float[] x : clips) longest = Math.max(longest, x.length);
        // A nominal rate: the clips are used as given.
        int rate = 16_000;
        return new CalibrationAudio(null, List.copyOf(clips), rate, false, Math.max(1, batchSize) * (double) longest / rate,
                new Preprocessor(rate, false));
    }

    /** Runs one model over the audio, handing every wanted tap's real frames to the consumer. */
    public ExtractionSummary extract(HubertEncoder encoder, Preprocessor preprocessor, FrameTapConsumer consumer) {
        Extraction.Builder b = Extraction.builder().setEncoder(encoder).setPreprocessor(passThrough != null ? passThrough : preprocessor).optResample(resample)
                .optProgress(manifest != null);
        if (!Double.isNaN(maxBatchSeconds)) b.optMaxBatchSeconds(maxBatchSeconds);
        Extraction e = b.build();
        return manifest != null ? e.run(manifest, consumer) : e.run(clips, sampleRate, consumer);
    }

    /** Number of clips. */
    public int size() {
        return manifest != null ? manifest.size() : clips.size();
    }

    @Override
    public String toString() {
        return manifest != null ? "manifest of " + manifest.size() + " clips" : clips.size() + " clips at " + sampleRate + " Hz";
    }
}
