package org.permerge.audio.corpus;

import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import org.permerge.io.AtomicFiles;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Turns a rendered sound into a finished corpus clip: places it at an offset in a fixed-length clip, sets its
 * loudness, adds coloured background noise at a given SNR, and writes it as 16-bit PCM with its digest.
 */
final class ClipAssembly {
    private ClipAssembly() {}

    /** A written clip file. */
    record Written(String path, double duration, String sha256) {}

    static double rms(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += x[i] * (double) x[i];
        return Math.sqrt(s / Math.max(1, to - from));
    }

    /**
     * Scales {@code sound} to RMS level {@code levelDb} (dBFS), places it at {@code offset} in a clip of
     * {@code length} samples (cutting what does not fit), adds noise {@code snrDb} below the sound's RMS whose colour
     * is a one-pole low-pass of white noise with coefficient {@code colour} in [0, 1) (0 = white, near 1 = brown),
     * and limits peaks to 0.98 by scaling the whole clip.
     */
    static float[] finish(float[] sound, int length, int offset, double levelDb, double snrDb, double colour,
                          int fadeOutSamples, SplittableRandom rng) {
        double soundRms = rms(sound, 0, sound.length);
        if (soundRms == 0) throw new IllegalStateException("synthesiser produced silence");
        double gain = Math.pow(10, levelDb / 20) / soundRms;
        float[] x = new float[length];
        for (int i = 0; i < sound.length && offset + i < length; i++) x[offset + i] = (float) (sound[i] * gain);
        int fadeStart = Math.min(length, offset + sound.length) - fadeOutSamples;
        for (int i = Math.max(0, fadeStart); i < Math.min(length, offset + sound.length); i++) {
            x[i] *= (float) ((Math.min(length, offset + sound.length) - i) / (double) fadeOutSamples);
        }
        double[] noise = new double[length];
        double state = 0;
        for (int i = 0; i < length; i++) {
            state = colour * state + (1 - colour) * rng.nextGaussian();
            noise[i] = state;
        }
        double nRms = 0;
        for (double v : noise) nRms += v * v;
        nRms = Math.sqrt(nRms / length);
        double nGain = Math.pow(10, (levelDb - snrDb) / 20) / nRms;
        double peak = 0;
        for (int i = 0; i < length; i++) {
            x[i] += (float) (noise[i] * nGain);
            peak = Math.max(peak, Math.abs(x[i]));
        }
        if (peak > 0.98) {
            float s = (float) (0.98 / peak);
            for (int i = 0; i < length; i++) x[i] *= s;
        }
        return x;
    }

    /** Writes {@code clips/<id>.wav} under {@code out} as 16-bit PCM, atomically, returning path and sha256. */
    static Written write(Path out, String id, float[] x, int sampleRate) {
        byte[] bytes = Wav.encode(Audio.ofMono(x, sampleRate), Wav.Encoding.PCM_S16);
        String rel = "clips/" + id + ".wav";
        AtomicFiles.write(out.resolve(rel), o -> o.write(bytes));
        return new Written(rel, x.length / (double) sampleRate, Manifest.sha256(bytes));
    }

    /** Uniform draw in [lo, hi). */
    static double uniform(SplittableRandom r, double lo, double hi) {
        return lo + (hi - lo) * r.nextDouble();
    }

    /** The per-clip random stream: a function of the master seed, the domain and the clip index only. */
    static SplittableRandom clipRandom(long seed, long salt, int index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + salt * 0xC2B2AE3D27D4EB4FL + index * 0xBF58476D1CE4E5B9L);
    }

    /** Rounds for the manifest so numbers read back identically. */
    static double round(double v, int digits) {
        double s = Math.pow(10, digits);
        return Math.round(v * s) / s;
    }

    /** A map that keeps the order its keys are given in (Map.of's order changes from run to run). */
    static java.util.Map<String, Object> ordered(Object... keyValues) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }
}
