package org.permerge.audio.features;

/**
 * Chroma: the short-time power spectrum folded onto 12 pitch classes (C = 0 … B = 11), each frame scaled so its
 * largest class is 1 (all zeros for a silent frame).
 *
 * <p>Each FFT bin with frequency f in [fMin, fMax] (default 55 Hz to 4200 Hz) sits at MIDI pitch
 * {@code p = 69 + 12 log2(f / 440)}; it adds its power to class c with weight {@code exp(-½ (d / σ)²)}, d being the
 * distance in semitones from p to the nearest pitch of class c (in [-6, 6]) and σ = 0.5 semitone by default. A long
 * analysis window (default 128 ms; 2048 samples at 16 kHz) resolves semitones at low pitch; frames and hop follow
 * {@link Stft} (25 ms / 10 ms by default), so chroma frames line up with {@link LogMel} frames of the same hop.
 */
public final class Chroma {
    private final Stft stft;
    private final double fMin;
    private final double fMax;
    private final double sigma;

    public Chroma() {
        this(new Stft(0.025, 0.010, 0.128), 55, 4200, 0.5);
    }

    public Chroma(Stft stft, double fMin, double fMax, double sigmaSemitones) {
        if (!(fMin > 0 && fMax > fMin)) throw new IllegalArgumentException("need 0 < fMin < fMax, got " + fMin + ", " + fMax);
        if (!(sigmaSemitones > 0)) throw new IllegalArgumentException("sigma must be positive, got " + sigmaSemitones);
        this.stft = stft;
        this.fMin = fMin;
        this.fMax = fMax;
        this.sigma = sigmaSemitones;
    }

    /** Same analysis with another hop (and the frame length kept), e.g. 0.020 s for 50 frames per second. */
    public Chroma withFraming(double frameSeconds, double hopSeconds) {
        return new Chroma(new Stft(frameSeconds, hopSeconds, Math.max(frameSeconds, stft.windowSeconds())), fMin, fMax, sigma);
    }

    public int bins() {
        return 12;
    }

    /** Weights [12][nFft/2 + 1]. */
    public float[][] weights(int nFft, int sampleRate) {
        int bins = nFft / 2 + 1;
        float[][] w = new float[12][bins];
        for (int k = 1; k < bins; k++) {
            double f = k * (double) sampleRate / nFft;
            if (f < fMin || f > fMax) continue;
            double p = 69 + 12 * Math.log(f / 440) / Math.log(2);
            for (int c = 0; c < 12; c++) {
                double d = p - c;
                d -= 12 * Math.floor(d / 12 + 0.5); // nearest pitch of class c
                w[c][k] = (float) Math.exp(-0.5 * (d / sigma) * (d / sigma));
            }
        }
        return w;
    }

    /** [frames][12]. */
    public float[][] compute(float[] mono, int sampleRate) {
        int nFft = stft.samples(sampleRate)[3];
        float[][] chroma = MelFilterbank.apply(weights(nFft, sampleRate), stft.power(mono, sampleRate));
        for (float[] row : chroma) {
            float max = 0;
            for (float v : row) max = Math.max(max, v);
            if (max > 0) for (int c = 0; c < 12; c++) row[c] /= max;
        }
        return chroma;
    }
}
