package org.permerge.audio.features;

/**
 * Triangular mel filters on the HTK mel scale ({@code mel = 2595 log10(1 + f / 700)}), unnormalised (each triangle
 * peaks at 1): {@code n + 2} points equally spaced in mel from {@code fMin} to {@code fMax}, filter m rising from
 * point m to m+1 and falling to m+2, evaluated at the FFT bin frequencies {@code k · sampleRate / nFft}. This is
 * torchaudio's {@code melscale_fbanks(norm=None, mel_scale="htk")}.
 */
public final class MelFilterbank {
    private MelFilterbank() {}

    public static double hzToMel(double hz) {
        return 2595 * Math.log10(1 + hz / 700);
    }

    public static double melToHz(double mel) {
        return 700 * (Math.pow(10, mel / 2595) - 1);
    }

    /** Weights [nMels][nFft/2 + 1]. */
    public static float[][] weights(int nMels, int nFft, int sampleRate, double fMin, double fMax) {
        if (nMels < 1) throw new IllegalArgumentException("need at least one mel band, got " + nMels);
        if (!(fMin >= 0 && fMax > fMin && fMax <= sampleRate / 2.0)) {
            throw new IllegalArgumentException("mel range " + fMin + ".." + fMax + " Hz must lie in 0.." + sampleRate / 2.0 + " Hz");
        }
        int bins = nFft / 2 + 1;
        double mMin = hzToMel(fMin), mMax = hzToMel(fMax);
        double[] pts = new double[nMels + 2];
        for (int i = 0; i < pts.length; i++) pts[i] = melToHz(mMin + (mMax - mMin) * i / (nMels + 1));
        float[][] w = new float[nMels][bins];
        for (int m = 0; m < nMels; m++) {
            double lo = pts[m], mid = pts[m + 1], hi = pts[m + 2];
            for (int k = 0; k < bins; k++) {
                double f = k * (double) sampleRate / nFft;
                double up = (f - lo) / (mid - lo), down = (hi - f) / (hi - mid);
                w[m][k] = (float) Math.max(0, Math.min(up, down));
            }
        }
        return w;
    }

    /** {@code out[t][m] = Σ_k w[m][k] · power[t][k]}. */
    static float[][] apply(float[][] w, float[][] power) {
        float[][] out = new float[power.length][w.length];
        for (int t = 0; t < power.length; t++) {
            float[] p = power[t];
            for (int m = 0; m < w.length; m++) {
                float[] wm = w[m];
                double s = 0;
                for (int k = 0; k < p.length; k++) if (wm[k] != 0) s += wm[k] * p[k];
                out[t][m] = (float) s;
            }
        }
        return out;
    }
}
