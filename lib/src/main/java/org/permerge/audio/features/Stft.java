package org.permerge.audio.features;

import org.jtransforms.fft.FloatFFT_1D;

/**
 * Short-time power spectra with a periodic Hann window, on JTransforms' real FFT.
 *
 * <p>Framing: a signal of N samples has {@code T = 1 + (N - F) / H} frames (0 when N &lt; F), where F is the frame
 * length and H the hop, in samples, without padding — the same count as a HuBERT-style CNN front end with
 * receptive field F and stride H (F = 400, H = 320 at 16 kHz gives its 50 frames per second). Frame t is
 * centred at {@code t·H + F/2}; the analysis window (W samples, W ≥ F allowed for finer frequency resolution) starts
 * at {@code t·H + floor((F - W) / 2)}, so it shares that centre, zero-padded beyond the signal, and zero-padded to the FFT size (the next power of two
 * ≥ W). Output: |X[k]|², k = 0 .. nFft/2.
 */
public final class Stft {
    private final double frameSeconds;
    private final double hopSeconds;
    private final double windowSeconds;

    /**
     * @param frameSeconds  frame length F in seconds (sets the frame count and centres)
     * @param hopSeconds    hop H in seconds
     * @param windowSeconds analysis window W in seconds, at least the frame length
     */
    public Stft(double frameSeconds, double hopSeconds, double windowSeconds) {
        if (!(frameSeconds > 0) || !(hopSeconds > 0)) {
            throw new IllegalArgumentException("frame and hop must be positive, got " + frameSeconds + ", " + hopSeconds);
        }
        if (!(windowSeconds >= frameSeconds)) {
            throw new IllegalArgumentException("window " + windowSeconds + " s must be at least the frame " + frameSeconds + " s");
        }
        this.frameSeconds = frameSeconds;
        this.hopSeconds = hopSeconds;
        this.windowSeconds = windowSeconds;
    }

    /** Sample counts for a rate: {frame, hop, window, nFft}. */
    public int[] samples(int sampleRate) {
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        int f = (int) Math.round(frameSeconds * sampleRate);
        int h = (int) Math.round(hopSeconds * sampleRate);
        int w = (int) Math.round(windowSeconds * sampleRate);
        if (f < 2 || h < 1) throw new IllegalArgumentException("frame/hop too short at " + sampleRate + " Hz");
        int n = Integer.highestOneBit(w);
        if (n < w) n <<= 1;
        return new int[] {f, h, w, n};
    }

    public int frameCount(int signalLength, int sampleRate) {
        int[] s = samples(sampleRate);
        return signalLength < s[0] ? 0 : 1 + (signalLength - s[0]) / s[1];
    }

    /** Power spectra [frames][nFft/2 + 1]. */
    public float[][] power(float[] x, int sampleRate) {
        int[] s = samples(sampleRate);
        int frameLen = s[0], hop = s[1], win = s[2], nFft = s[3];
        int frames = frameCount(x.length, sampleRate);
        float[] window = new float[win];
        for (int i = 0; i < win; i++) window[i] = (float) (0.5 - 0.5 * Math.cos(2 * Math.PI * i / win));
        FloatFFT_1D fft = new FloatFFT_1D(nFft);
        float[] buf = new float[nFft];
        int bins = nFft / 2 + 1;
        float[][] out = new float[frames][bins];
        // window start relative to frame start, so both share a centre: floor((F - W) / 2)
        int shift = Math.floorDiv(frameLen - win, 2);
        for (int t = 0; t < frames; t++) {
            java.util.Arrays.fill(buf, 0f);
            int start = t * hop + shift;
            for (int i = 0; i < win; i++) {
                int j = start + i;
                if (j >= 0 && j < x.length) buf[i] = x[j] * window[i];
            }
            fft.realForward(buf);
            float[] p = out[t];
            p[0] = buf[0] * buf[0];
            p[nFft / 2] = buf[1] * buf[1];
            for (int k = 1; k < nFft / 2; k++) {
                float re = buf[2 * k], im = buf[2 * k + 1];
                p[k] = re * re + im * im;
            }
        }
        return out;
    }

    public double frameSeconds() {
        return frameSeconds;
    }

    public double hopSeconds() {
        return hopSeconds;
    }

    public double windowSeconds() {
        return windowSeconds;
    }
}
