package org.permerge.checkpoint;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The input preprocessing an encoder was trained with, as a Hugging Face {@code preprocessor_config.json}
 * (a {@code Wav2Vec2FeatureExtractor}) declares it: the sampling rate audio must have and whether each clip
 * is normalised to zero mean and unit variance.
 *
 * @param samplingRate samples per second the encoder expects
 * @param doNormalize  whether each clip is normalised to zero mean, unit variance before the encoder
 */
public record Preprocessor(int samplingRate, boolean doNormalize) {
    /** What a checkpoint without {@code preprocessor_config.json} gets: 16 kHz raw waveforms (HuBERT Base). */
    public static final Preprocessor DEFAULT = new Preprocessor(16_000, false);

    /** File name inside a Hugging Face model folder. */
    public static final String FILE_NAME = "preprocessor_config.json";

    /** Added to the variance before the square root, as transformers' zero_mean_unit_var_norm does. */
    static final double VARIANCE_EPSILON = 1e-7;

    public Preprocessor {
        if (samplingRate <= 0) {
            throw new IllegalArgumentException("sampling rate must be positive, got " + samplingRate);
        }
    }

    /**
     * Prepares one mono clip for the encoder. The clip must already be at {@link #samplingRate()}: resampling
     * changes the signal, so it is the caller's explicit decision (see {@code org.permerge.audio.Resampler}).
     *
     * @return a new array (the input is never modified)
     * @throws IllegalArgumentException when the rate differs or a sample is NaN or infinite
     */
    public float[] apply(float[] clip, int clipRate) {
        if (clipRate != samplingRate) {
            throw new IllegalArgumentException("audio is at " + clipRate + " Hz but this encoder expects "
                    + samplingRate + " Hz; resample it first (Resampler.resample(x, " + clipRate + ", "
                    + samplingRate + "))");
        }
        for (int i = 0; i < clip.length; i++) {
            if (!Float.isFinite(clip[i])) {
                throw new IllegalArgumentException("audio sample " + i + " is " + clip[i] + "; expected finite values");
            }
        }
        if (!doNormalize) return clip.clone();
        // Two passes in double: the mean is removed before squaring, so loud DC offsets do not cancel precision away.
        double mean = 0;
        for (float v : clip) mean += v;
        mean /= Math.max(1, clip.length);
        double var = 0;
        for (float v : clip) {
            double d = v - mean;
            var += d * d;
        }
        var /= Math.max(1, clip.length);
        double scale = 1.0 / Math.sqrt(var + VARIANCE_EPSILON);
        float[] out = new float[clip.length];
        for (int i = 0; i < clip.length; i++) out[i] = (float) ((clip[i] - mean) * scale);
        return out;
    }

    /**
     * Reads {@code preprocessor_config.json}. Fields this encoder family does not use are ignored; a
     * {@code feature_size} other than 1 (not a raw waveform model) is refused by name.
     */
    public static Preprocessor read(Path file) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) throw new CheckpointFormatException(file + ": not a JSON object");
            o = e.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new CheckpointFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            if (o.has("feature_size") && o.get("feature_size").getAsInt() != 1) {
                throw new CheckpointFormatException(file + ": feature_size " + o.get("feature_size")
                        + " is not supported (expected 1: a raw mono waveform)");
            }
            int rate = o.has("sampling_rate") ? o.get("sampling_rate").getAsInt() : DEFAULT.samplingRate;
            if (rate <= 0) throw new CheckpointFormatException(file + ": sampling_rate " + rate + " is not positive");
            boolean norm = o.has("do_normalize") && !o.get("do_normalize").isJsonNull() && o.get("do_normalize").getAsBoolean();
            return new Preprocessor(rate, norm);
        } catch (ClassCastException | IllegalStateException | NumberFormatException | UnsupportedOperationException e) {
            throw new CheckpointFormatException(file + ": sampling_rate, do_normalize or feature_size has the wrong type: "
                    + e.getMessage(), e);
        }
    }

    /** Reads {@code preprocessor_config.json} from a model folder, or {@link #DEFAULT} when the folder has none. */
    public static Preprocessor readOrDefault(Path dir) {
        Path f = dir.resolve(FILE_NAME);
        return Files.isRegularFile(f) ? read(f) : DEFAULT;
    }

    /** The config as transformers' {@code Wav2Vec2FeatureExtractor} writes it. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("do_normalize", doNormalize);
        o.addProperty("feature_extractor_type", "Wav2Vec2FeatureExtractor");
        o.addProperty("feature_size", 1);
        o.addProperty("padding_side", "right");
        o.addProperty("padding_value", 0.0);
        // Published checkpoints pair the two: normalising ones (HuBERT Large) return a mask, raw-waveform ones do not.
        o.addProperty("return_attention_mask", doNormalize);
        o.addProperty("sampling_rate", samplingRate);
        return o;
    }

    /** Pretty JSON text of {@link #toJson()}. */
    public String toJsonString() {
        return new GsonBuilder().setPrettyPrinting().create().toJson(toJson());
    }
}
