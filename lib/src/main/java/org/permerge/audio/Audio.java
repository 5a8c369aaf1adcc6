package org.permerge.audio;

import java.util.Objects;

/**
 * Decoded audio: one float array per channel (samples in [-1, 1]) and the sample rate.
 *
 * @param channels   per-channel samples, all of the same length
 * @param sampleRate samples per second
 */
public record Audio(float[][] channels, int sampleRate) {
    public Audio {
        Objects.requireNonNull(channels, "channels");
        if (channels.length == 0) throw new IllegalArgumentException("audio needs at least one channel");
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        for (int c = 1; c < channels.length; c++) {
            if (channels[c].length != channels[0].length) {
                throw new IllegalArgumentException("channel " + c + " has " + channels[c].length
                        + " samples, channel 0 has " + channels[0].length);
            }
        }
    }

    /** Wraps a single channel. */
    public static Audio ofMono(float[] samples, int sampleRate) {
        return new Audio(new float[][] {samples}, sampleRate);
    }

    public int channelCount() {
        return channels.length;
    }

    /** Samples per channel. */
    public int frames() {
        return channels[0].length;
    }

    public double durationSeconds() {
        return frames() / (double) sampleRate;
    }

    /** The channels mixed down by averaging (the channel itself when there is one). */
    public float[] mono() {
        if (channels.length == 1) return channels[0];
        int n = frames();
        float[] out = new float[n];
        double scale = 1.0 / channels.length;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (float[] ch : channels) s += ch[i];
            out[i] = (float) (s * scale);
        }
        return out;
    }
}
