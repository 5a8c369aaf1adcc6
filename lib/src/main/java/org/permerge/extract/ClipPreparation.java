package org.permerge.extract;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;
import org.permerge.audio.Resampler;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.model.EncoderConfig;

/**
 * The one way a clip is made ready for an encoder: mixed to mono, brought to the preprocessor's sampling rate
 * (resampled, or refused when resampling is not allowed), at least one output frame long (padded with silence, or
 * refused), and normalised as the model's preprocessor declares. Every forward pass of the library prepares its
 * clips here, so that a clip means the same input to the extraction, the probes and the notebooks.
 *
 * @param preprocessor the model's declared input preparation (rate, per-clip normalisation); null only for
 *                     {@link #asGiven()}
 * @param resample     whether a clip at another rate is resampled (otherwise it is an error naming the clip)
 * @param padShort     whether a clip shorter than {@code minSamples} is padded with silence before normalising
 *                     (otherwise it is an error naming the clip: it would yield no frame)
 * @param minSamples   the encoder's receptive field in samples: the shortest clip that yields one frame
 * @param model        the model's name in errors ({@code "A"}, {@code "B"}), or empty
 */
public record ClipPreparation(Preprocessor preprocessor, boolean resample, boolean padShort, int minSamples, String model) {
    public ClipPreparation {
        Objects.requireNonNull(model, "model name (empty for none)");
        if (minSamples < 0) throw new IllegalArgumentException("minimum samples must not be negative, got " + minSamples);
    }

    /**
     * Clips for an encoder of {@code config} with this preprocessor: not resampled, short clips refused (what the
     * extractions do unless told otherwise).
     */
    public static ClipPreparation of(Preprocessor preprocessor, EncoderConfig config) {
        return of(preprocessor, config.receptiveField());
    }

    /** As {@link #of(Preprocessor, EncoderConfig)}, for an encoder whose receptive field is {@code minSamples}. */
    public static ClipPreparation of(Preprocessor preprocessor, int minSamples) {
        return new ClipPreparation(Objects.requireNonNull(preprocessor, "preprocessor"), false, false, minSamples, "");
    }

    /** Clips already as the model expects them (its rate, its normalisation): handed to the encoder unchanged. */
    public static ClipPreparation asGiven() {
        return new ClipPreparation(null, false, false, 0, "");
    }

    /** The same preparation, resampling clips at another rate when {@code resample}. */
    public ClipPreparation withResample(boolean resample) {
        return new ClipPreparation(preprocessor, resample, padShort, minSamples, model);
    }

    /** The same preparation, padding clips too short for one frame with silence instead of refusing them. */
    public ClipPreparation padShortClips() {
        return new ClipPreparation(preprocessor, resample, true, minSamples, model);
    }

    /** The same preparation, naming the model in errors. */
    public ClipPreparation named(String model) {
        return new ClipPreparation(preprocessor, resample, padShort, minSamples, model);
    }

    /** One manifest clip, loaded from its file and prepared. */
    public float[] prepare(Manifest.Clip clip) {
        return prepare(clip.load(), ClipSource.name(clip));
    }

    /** Every clip of a list, in order. */
    public List<float[]> prepare(List<Manifest.Clip> clips) {
        List<float[]> out = new ArrayList<>(clips.size());
        for (Manifest.Clip c : clips) out.add(prepare(c));
        return out;
    }

    /**
     * One clip as the model expects it.
     *
     * @param name the clip's name in errors, e.g. {@code clip 3} or {@code clip 'id' (path)}
     * @return a new array, except for {@link #asGiven()}, which returns the clip's own samples
     */
    public float[] prepare(Audio audio, String name) {
        float[] x = audio.mono();
        if (preprocessor == null) return x;
        int rate = audio.sampleRate();
        if (rate != preprocessor.samplingRate()) {
            if (!resample) {
                throw new IllegalArgumentException(name + " is at " + rate + " Hz but the encoder expects " + preprocessor.samplingRate()
                        + " Hz; resample it or enable resampling (optResample(true))");
            }
            x = Resampler.resample(x, rate, preprocessor.samplingRate());
            rate = preprocessor.samplingRate();
        }
        if (x.length < minSamples) {
            // Padded before normalising: the silence counts in the clip's mean and variance, as it always has for the probes.
            if (padShort) {
                x = Arrays.copyOf(x, minSamples);
            } else {
                throw new IllegalArgumentException(name + " has " + x.length + " samples, fewer than the receptive field of " + modelName()
                        + " (" + minSamples + " samples), so it yields no frame; remove it from the manifest");
            }
        }
        try {
            return preprocessor.apply(x, rate);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses, before any forward pass, the clips whose recorded length yields no output frame (shorter than the
     * receptive field at the encoder's rate), naming them; a run would otherwise fail at the end, when the shortest
     * clips (batched last) are reached. Nothing to check when short clips are padded or clips are taken as given.
     */
    void checkLengths(ClipSource source) {
        if (padShort || preprocessor == null) return;
        int rate = preprocessor.samplingRate();
        List<String> tooShort = new ArrayList<>();
        for (int i = 0; i < source.size(); i++) {
            long samples = (long) Math.floor(source.seconds(i) * rate + 1e-6);
            if (samples < minSamples) tooShort.add(source.name(i) + ": " + samples + " samples");
        }
        if (!tooShort.isEmpty()) {
            throw new IllegalArgumentException(tooShort.size() + " clip(s) are shorter than the receptive field of " + modelName()
                    + " (" + minSamples + " samples, " + String.format(Locale.ROOT, "%.1f", minSamples * 1000.0 / rate) + " ms at "
                    + rate + " Hz), so they yield no frame; remove them from the manifest: "
                    + String.join("; ", tooShort.subList(0, Math.min(5, tooShort.size()))) + (tooShort.size() > 5 ? "; ..." : ""));
        }
    }

    private String modelName() {
        return model.isEmpty() ? "the model" : "model " + model;
    }
}
