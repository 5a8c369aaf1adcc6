package org.permerge.audio;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Band-limited sample-rate conversion between any two integer rates with a Kaiser-windowed sinc filter
 * evaluated in polyphase form.
 *
 * <p>The filter's stopband starts at the lower of the two Nyquist frequencies, so nothing aliases: tones above
 * the output's Nyquist are attenuated by at least {@code stopbandDb}, and images of an upsampled signal likewise.
 * The passband reaches {@code passband} × that Nyquist frequency. Output sample {@code n} sits at input time
 * {@code n · from / to} (no delay), and the output has {@code ceil(N · to / from)} samples.
 */
public final class Resampler {
    /** 92 % passband, 120 dB stopband: transparent for training data at a few ms of CPU per second of audio. */
    public static final Resampler DEFAULT = new Resampler(0.92, 120);
    /** Lowest sample rate converted, in Hz (below telephone speech's 8 kHz; 1 Hz would make 16000 outputs per input sample). */
    public static final int MIN_RATE = 4000;
    /** Highest sample rate converted, in Hz (the highest PCM rate in use). */
    public static final int MAX_RATE = 768000;
    /** Phase counts above this are evaluated on the fly instead of from a table. */
    private static final int MAX_TABLE_PHASES = 4096;

    private final double passband;
    private final double stopbandDb;
    private final Map<Long, Kernel> kernels = new ConcurrentHashMap<>();

    /**
     * @param passband   edge of the passband as a fraction of the lower Nyquist frequency, in (0.5, 0.995)
     * @param stopbandDb minimum stopband attenuation in dB, in [40, 200]
     */
    public Resampler(double passband, double stopbandDb) {
        if (!(passband > 0.5 && passband < 0.995)) {
            throw new IllegalArgumentException("passband must be in (0.5, 0.995) of Nyquist, got " + passband);
        }
        if (!(stopbandDb >= 40 && stopbandDb <= 200)) {
            throw new IllegalArgumentException("stopband attenuation must be in [40, 200] dB, got " + stopbandDb);
        }
        this.passband = passband;
        this.stopbandDb = stopbandDb;
    }

    /** Resamples with {@link #DEFAULT}. */
    public static float[] resample(float[] x, int fromRate, int toRate) {
        return DEFAULT.apply(x, fromRate, toRate);
    }

    /** Resamples {@code x} from {@code fromRate} to {@code toRate} samples per second. */
    public float[] apply(float[] x, int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + fromRate + " -> " + toRate);
        }
        if (fromRate == toRate) return x.clone();
        // Outside this range the output length and filter cost explode (a WAV claiming 1 Hz): refused up front.
        for (int rate : new int[] {fromRate, toRate}) {
            if (rate < MIN_RATE || rate > MAX_RATE) {
                throw new IllegalArgumentException("cannot resample " + fromRate + " Hz -> " + toRate + " Hz: " + rate
                        + " Hz is outside the supported range [" + MIN_RATE + ", " + MAX_RATE + "] Hz");
            }
        }
        int g = gcd(fromRate, toRate);
        int up = toRate / g;
        int down = fromRate / g;
        Kernel k = kernels.computeIfAbsent(((long) up << 32) | down, key -> new Kernel(up, down));
        long outLen = ((long) x.length * up + down - 1) / down;
        if (outLen > Integer.MAX_VALUE) throw new IllegalArgumentException("output too long: " + outLen + " samples");
        float[] y = new float[(int) outLen];
        float[] scratch = k.table == null ? new float[k.taps] : null;
        for (int n = 0; n < y.length; n++) {
            long num = (long) n * down;
            long k0 = num / up;
            int phase = (int) (num % up);
            float[] h;
            int off;
            if (k.table != null) {
                h = k.table;
                off = phase * k.taps;
            } else {
                k.fill(phase, scratch, 0);
                h = scratch;
                off = 0;
            }
            // taps j = first .. first + taps - 1 weigh input sample k0 + j
            long start = k0 + k.first;
            if (start >= 0 && start + k.taps <= x.length) {
                y[n] = dot(h, off, x, (int) start, k.taps);
            } else {
                int j0 = (int) Math.max(0, -start);
                int j1 = (int) Math.min(k.taps, x.length - start);
                double acc = 0;
                for (int j = j0; j < j1; j++) acc += h[off + j] * x[(int) (start + j)];
                y[n] = (float) acc;
            }
        }
        return y;
    }

    /** Four independent partial sums let the CPU overlap the multiply-adds (a single sum is one long dependency chain). */
    private static float dot(float[] h, int ho, float[] x, int xo, int n) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            a0 += h[ho + j] * x[xo + j];
            a1 += h[ho + j + 1] * x[xo + j + 1];
            a2 += h[ho + j + 2] * x[xo + j + 2];
            a3 += h[ho + j + 3] * x[xo + j + 3];
        }
        for (; j < n; j++) a0 += h[ho + j] * x[xo + j];
        return (a0 + a1) + (a2 + a3);
    }

    /** The polyphase filter for one rate pair. */
    private final class Kernel {
        final int up;
        final int taps;
        final int first;
        final double cutoff;
        final double halfWidth;
        final double beta;
        final double i0Beta;
        final float[] table;

        Kernel(int up, int down) {
            this.up = up;
            double nyquist = 0.5 * Math.min(1.0, up / (double) down); // lower Nyquist, in cycles per input sample
            double transition = nyquist * (1 - passband);
            cutoff = nyquist * (1 + passband) / 2;
            // Kaiser's design formulas for the length and shape that reach the stopband attenuation
            double length = (stopbandDb - 7.95) / (2.285 * 2 * Math.PI * transition) + 1;
            halfWidth = length / 2;
            beta = stopbandDb > 50 ? 0.1102 * (stopbandDb - 8.7)
                    : 0.5842 * Math.pow(stopbandDb - 21, 0.4) + 0.07886 * (stopbandDb - 21);
            i0Beta = besselI0(beta);
            int w = (int) Math.ceil(halfWidth);
            first = -w + 1;
            taps = 2 * w;
            if (up <= MAX_TABLE_PHASES) {
                table = new float[up * taps];
                for (int p = 0; p < up; p++) fill(p, table, p * taps);
            } else {
                table = null;
            }
        }

        /** Taps for output phase p (fractional input position p/up), normalised to unit DC gain. */
        void fill(int phase, float[] dst, int off) {
            double frac = phase / (double) up;
            double[] h = new double[taps];
            double sum = 0;
            for (int j = 0; j < taps; j++) {
                double t = frac - (first + j);
                double v = 0;
                if (Math.abs(t) < halfWidth) {
                    double r = t / halfWidth;
                    v = 2 * cutoff * sinc(2 * cutoff * t) * besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
                }
                h[j] = v;
                sum += v;
            }
            for (int j = 0; j < taps; j++) dst[off + j] = (float) (h[j] / sum);
        }
    }

    private static double sinc(double x) {
        if (x == 0) return 1;
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    /** Modified Bessel function of the first kind, order 0, by its power series (converges for all x). */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 500; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
