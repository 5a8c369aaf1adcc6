package org.permerge.audio.features;

/**
 * Mel-frequency cepstral coefficients: the orthonormal DCT-II of a {@link LogMel} (default 40 bands, 25 ms frames,
 * 10 ms hop), keeping coefficients 0 .. n-1 (default 13), optionally followed by deltas and delta-deltas.
 *
 * <p>DCT: {@code c_k = s_k Σ_m L_m cos(π k (m + ½) / M)}, {@code s_0 = √(1/M)}, {@code s_k = √(2/M)}. Deltas use the
 * HTK regression over ±2 frames, {@code d_t = Σ_{n=1..2} n (c_{t+n} − c_{t−n}) / (2 Σ n²)}, repeating the edge frames;
 * delta-deltas apply the same to the deltas. Output [frames][n · (1 + deltaOrder)].
 */
public final class Mfcc {
    private final LogMel logMel;
    private final int coefficients;
    private final int deltaOrder;

    public Mfcc() {
        this(new LogMel().withMels(40), 13, 0);
    }

    public Mfcc(LogMel logMel, int coefficients, int deltaOrder) {
        if (coefficients < 1 || coefficients > logMel.bins()) {
            throw new IllegalArgumentException("coefficients must be in 1.." + logMel.bins() + ", got " + coefficients);
        }
        if (deltaOrder < 0 || deltaOrder > 2) throw new IllegalArgumentException("delta order must be 0, 1 or 2, got " + deltaOrder);
        this.logMel = logMel;
        this.coefficients = coefficients;
        this.deltaOrder = deltaOrder;
    }

    public Mfcc withDeltas(int order) {
        return new Mfcc(logMel, coefficients, order);
    }

    public Mfcc withHop(double seconds) {
        return new Mfcc(logMel.withHop(seconds), coefficients, deltaOrder);
    }

    public int bins() {
        return coefficients * (1 + deltaOrder);
    }

    public float[][] compute(float[] mono, int sampleRate) {
        float[][] lm = logMel.compute(mono, sampleRate);
        int m = logMel.bins();
        double[][] basis = new double[coefficients][m];
        for (int k = 0; k < coefficients; k++) {
            double s = Math.sqrt((k == 0 ? 1.0 : 2.0) / m);
            for (int j = 0; j < m; j++) basis[k][j] = s * Math.cos(Math.PI * k * (j + 0.5) / m);
        }
        float[][] c = new float[lm.length][coefficients];
        for (int t = 0; t < lm.length; t++) {
            for (int k = 0; k < coefficients; k++) {
                double s = 0;
                for (int j = 0; j < m; j++) s += basis[k][j] * lm[t][j];
                c[t][k] = (float) s;
            }
        }
        if (deltaOrder == 0) return c;
        float[][] d1 = delta(c);
        float[][] d2 = deltaOrder == 2 ? delta(d1) : null;
        float[][] out = new float[c.length][bins()];
        for (int t = 0; t < c.length; t++) {
            System.arraycopy(c[t], 0, out[t], 0, coefficients);
            System.arraycopy(d1[t], 0, out[t], coefficients, coefficients);
            if (d2 != null) System.arraycopy(d2[t], 0, out[t], 2 * coefficients, coefficients);
        }
        return out;
    }

    /** HTK regression deltas over ±2 frames with edge frames repeated. */
    static float[][] delta(float[][] c) {
        int n = c.length;
        float[][] d = new float[n][];
        for (int t = 0; t < n; t++) {
            d[t] = new float[c[t].length];
            for (int k = 0; k < c[t].length; k++) {
                double s = 0;
                for (int w = 1; w <= 2; w++) {
                    s += w * (c[Math.min(n - 1, t + w)][k] - c[Math.max(0, t - w)][k]);
                }
                d[t][k] = (float) (s / 10.0); // 2 · (1² + 2²)
            }
        }
        return d;
    }
}
