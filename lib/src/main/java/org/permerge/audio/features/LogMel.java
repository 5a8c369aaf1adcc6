package org.permerge.audio.features;

/**
 * Log-mel spectrogram: {@code ln(max(Σ_k mel[m][k] · |X_t[k]|², floor))} from the {@link Stft} power spectrum and an
 * HTK-scale {@link MelFilterbank}. Defaults: 80 bands, 25 ms frames, 10 ms hop, 0 Hz to Nyquist, floor 1e-10.
 * Use {@link #withHop} (e.g. 0.020 s: 50 frames per second) to line frames up with the encoders.
 */
public final class LogMel {
    private final int nMels;
    private final double frameSeconds;
    private final double hopSeconds;
    private final double fMin;
    private final Double fMax;
    private final double floor;

    public LogMel() {
        this(80, 0.025, 0.010, 0, null, 1e-10);
    }

    /**
     * @param fMax upper edge in Hz, or null for the Nyquist frequency of each signal's rate
     */
    public LogMel(int nMels, double frameSeconds, double hopSeconds, double fMin, Double fMax, double floor) {
        if (!(floor > 0)) throw new IllegalArgumentException("log floor must be positive, got " + floor);
        this.nMels = nMels;
        this.frameSeconds = frameSeconds;
        this.hopSeconds = hopSeconds;
        this.fMin = fMin;
        this.fMax = fMax;
        this.floor = floor;
        stft(); // validates frame and hop
    }

    public LogMel withHop(double seconds) {
        return new LogMel(nMels, frameSeconds, seconds, fMin, fMax, floor);
    }

    public LogMel withMels(int n) {
        return new LogMel(n, frameSeconds, hopSeconds, fMin, fMax, floor);
    }

    Stft stft() {
        return new Stft(frameSeconds, hopSeconds, frameSeconds);
    }

    public int bins() {
        return nMels;
    }

    /** [frames][nMels]. */
    public float[][] compute(float[] mono, int sampleRate) {
        Stft s = stft();
        int nFft = s.samples(sampleRate)[3];
        float[][] w = MelFilterbank.weights(nMels, nFft, sampleRate, fMin, fMax == null ? sampleRate / 2.0 : fMax);
        float[][] mel = MelFilterbank.apply(w, s.power(mono, sampleRate));
        for (float[] row : mel) {
            for (int m = 0; m < row.length; m++) row[m] = (float) Math.log(Math.max(row[m], floor));
        }
        return mel;
    }
}
