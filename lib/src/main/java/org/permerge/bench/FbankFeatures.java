package org.permerge.bench;

import java.util.List;
import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;
import org.permerge.audio.Resampler;
import org.permerge.audio.features.LogMel;

/**
 * The log-mel baseline (SUPERB's FBANK row): 80 mel bands, 25 ms windows, 10 ms hop at 16 kHz, pooled per clip
 * as the mean and the standard deviation of every band over time — one "layer" of 160 values.
 */
public final class FbankFeatures {
    /** Feature kind recorded in cache keys. */
    public static final String KIND = "log-mel-80-25ms-10ms-16k-mean-std";
    /** Sample rate the baseline works at. */
    public static final int RATE = 16_000;

    private FbankFeatures() {}

    /** Pooled log-mel features {@code [clips, 1, 160]}. */
    public static LayerFeatures compute(List<Manifest.Clip> clips) {
        LogMel logMel = new LogMel();
        int bins = logMel.bins();
        float[] out = new float[clips.size() * 2 * bins];
        String[] ids = new String[clips.size()];
        for (int i = 0; i < clips.size(); i++) {
            Manifest.Clip c = clips.get(i);
            ids[i] = c.id();
            Audio audio = c.load();
            float[] x = audio.mono();
            if (audio.sampleRate() != RATE) x = Resampler.resample(x, audio.sampleRate(), RATE);
            // At least one full 25 ms window, so that every clip has a frame.
            if (x.length < RATE / 40) x = java.util.Arrays.copyOf(x, RATE / 40);
            float[][] mel = logMel.compute(x, RATE);
            pool(mel, bins, out, i * 2 * bins);
        }
        return new LayerFeatures(ids, 1, 2 * bins, out);
    }

    /** Writes the per-band mean then the per-band standard deviation over frames into {@code out[at..]}. */
    static void pool(float[][] frames, int bins, float[] out, int at) {
        int n = frames.length;
        for (int m = 0; m < bins; m++) {
            double mean = 0;
            for (float[] f : frames) mean += f[m];
            mean /= n;
            double var = 0;
            for (float[] f : frames) var += (f[m] - mean) * (f[m] - mean);
            out[at + m] = (float) mean;
            out[at + bins + m] = (float) Math.sqrt(var / n);
        }
    }
}
