package org.permerge.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ResamplerTest {
    @TempDir
    Path tmp;

    static float[] tone(double freq, int rate, int n, double amp) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (amp * Math.sin(2 * Math.PI * freq * i / rate + 0.3));
        return x;
    }

    /** Linear chirp from f0 to f1 over the signal, with 20 ms raised-cosine fades so edges do not click. */
    static float[] chirp(double f0, double f1, int rate, int n) {
        float[] x = new float[n];
        double dur = n / (double) rate;
        int fade = rate / 50;
        for (int i = 0; i < n; i++) {
            double t = i / (double) rate;
            double g = Math.min(1, Math.min(i, n - 1 - i) / (double) fade);
            x[i] = (float) (0.5 * g * g * Math.sin(2 * Math.PI * (f0 * t + (f1 - f0) * t * t / (2 * dur))));
        }
        return x;
    }

    /** Least-squares amplitude of a sinusoid at freq within y[from, to). */
    static double amplitude(float[] y, double freq, int rate, int from, int to) {
        double cc = 0, ss = 0, cs = 0, yc = 0, ys = 0;
        for (int i = from; i < to; i++) {
            double w = 2 * Math.PI * freq * i / rate;
            double c = Math.cos(w), s = Math.sin(w);
            cc += c * c; ss += s * s; cs += c * s; yc += y[i] * c; ys += y[i] * s;
        }
        double det = cc * ss - cs * cs;
        double a = (yc * ss - ys * cs) / det, b = (ys * cc - yc * cs) / det;
        return Math.hypot(a, b);
    }

    static double db(double ratio) {
        return 20 * Math.log10(ratio);
    }

    @Test
    void tenKilohertzToneGoing24kTo16kIsSuppressedByAtLeast100dB() {
        float[] x = tone(10000, 24000, 24000, 0.9);
        float[] y = Resampler.resample(x, 24000, 16000);
        assertEquals(16000, y.length);
        double rms = 0;
        for (int i = 1000; i < 15000; i++) rms += y[i] * (double) y[i];
        rms = Math.sqrt(rms / 14000);
        double attenuation = db(rms / (0.9 / Math.sqrt(2)));
        // the alias would land at 6 kHz: check there too
        double alias = db(amplitude(y, 6000, 16000, 1000, 15000) / 0.9);
        System.out.printf("24k->16k 10 kHz tone: residual %.1f dB, at the 6 kHz alias %.1f dB%n", attenuation, alias);
        assertTrue(attenuation < -100, "attenuation " + attenuation);
        assertTrue(alias < -100, "alias " + alias);
    }

    @Test
    void imagesOfAnUpsampledToneAreSuppressed() {
        float[] x = tone(7000, 16000, 16000, 0.9);
        float[] y = Resampler.resample(x, 16000, 24000);
        assertEquals(24000, y.length);
        double image = db(amplitude(y, 9000, 24000, 1500, 22500) / 0.9);
        double kept = amplitude(y, 7000, 24000, 1500, 22500);
        System.out.printf("16k->24k 7 kHz tone: kept %.4f dB, image at 9 kHz %.1f dB%n", db(kept / 0.9), image);
        assertTrue(image < -100, "image " + image);
        assertEquals(0.9, kept, 0.9 * 1e-3);
    }

    @ParameterizedTest
    @CsvSource({"24000, 16000", "16000, 24000", "22050, 16000", "44100, 16000", "16000, 44100", "48000, 16000"})
    void passbandIsFlatToWithinAHundredthOfADecibel(int from, int to) {
        double nyq = Math.min(from, to) / 2.0;
        double worst = 0;
        for (int i = 0; i <= 11; i++) {
            double f = 50 + i * (0.9 * nyq - 50) / 11; // up to 90 % of Nyquist, inside the 92 % passband
            float[] y = Resampler.resample(tone(f, from, from / 2, 0.5), from, to);
            int m = y.length;
            double g = db(amplitude(y, f, to, m / 8, m - m / 8) / 0.5);
            worst = Math.max(worst, Math.abs(g));
        }
        assertTrue(worst < 0.01, from + "->" + to + " worst passband deviation " + worst + " dB");
    }

    @Test
    void dcIsPreservedAndLengthsFollowTheRatio() {
        float[] ones = new float[4410];
        java.util.Arrays.fill(ones, 0.25f);
        float[] y = Resampler.resample(ones, 44100, 16000);
        assertEquals(1600, y.length);
        for (int i = 200; i < 1400; i++) assertEquals(0.25, y[i], 1e-6);
        assertEquals(3, Resampler.resample(new float[7], 24000, 10000).length); // ceil(7 * 5 / 12)
        assertArrayEquals(ones, Resampler.resample(ones, 16000, 16000));
        assertEquals(0, Resampler.resample(new float[0], 24000, 16000).length);
    }

    @Test
    void coprimeRatesWithManyPhasesUseTheOnTheFlyKernel() {
        // 16001 phases: no table; the result must still be a clean tone
        float[] y = Resampler.resample(tone(1000, 16000, 4000, 0.5), 16000, 16001);
        assertEquals(4001, y.length);
        assertEquals(0.5, amplitude(y, 1000, 16001, 500, 3500), 1e-4);
    }

    @Test
    void absurdRatesAreRefusedUpFrontInsteadOfRunningForHours() {
        // 1 Hz -> 16 kHz would be 16000 outputs per input sample, each with its own filter phase.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Resampler.resample(new float[44100], 1, 16000));
        assertTrue(e.getMessage().contains("1 Hz is outside the supported range [" + Resampler.MIN_RATE + ", " + Resampler.MAX_RATE + "] Hz"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Resampler.resample(new float[10], 16000, 2_000_000_000));
        assertTrue(e.getMessage().contains("2000000000 Hz is outside"), e.getMessage());
        assertEquals(32000, Resampler.resample(new float[8000], Resampler.MIN_RATE, 16000).length, "the bounds themselves are fine");
    }

    @Test
    void badArgumentsAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> Resampler.resample(new float[4], 0, 16000));
        assertThrows(IllegalArgumentException.class, () -> new Resampler(0.999, 120));
        assertThrows(IllegalArgumentException.class, () -> new Resampler(0.9, 20));
    }

    /**
     * sox's very-high-quality rate (95 % passband, linear phase) on the same signals: the two must agree to within
     * -90 dB of the signal over the interior (measured: -100 to -137 dB), where neither filter's passband edge is reached.
     */
    @ParameterizedTest
    @CsvSource({"24000, 16000", "16000, 24000", "22050, 16000", "44100, 16000"})
    void agreesWithSoxOnChirpsAndTones(int from, int to) {
        double nyq = Math.min(from, to) / 2.0;
        int n = from; // one second
        float[][] signals = {
            chirp(30, 0.88 * nyq, from, n),
            mix(tone(440, from, n, 0.3), tone(0.8 * nyq, from, n, 0.3), tone(1234.5, from, n, 0.2)),
        };
        for (int s = 0; s < signals.length; s++) {
            Path in = tmp.resolve("in" + s + ".wav");
            Path out = tmp.resolve("out" + s + ".wav");
            Wav.write(in, Audio.ofMono(signals[s], from), Wav.Encoding.FLOAT32);
            ExternalTool.SOX.run(List.of("-V1", in.toString(), "-e", "floating-point", "-b", "32", out.toString(),
                    "rate", "-v", Integer.toString(to)), null);
            float[] ref = Wav.read(out).mono();
            float[] ours = Resampler.resample(signals[s], from, to);
            assertEquals(ours.length, ref.length, 1, "output length");
            int lo = to / 20, hi = Math.min(ours.length, ref.length) - to / 20;
            double e = 0, p = 0;
            for (int i = lo; i < hi; i++) {
                double d = ours[i] - ref[i];
                e += d * d;
                p += ref[i] * (double) ref[i];
            }
            double agreement = 10 * Math.log10(e / p);
            System.out.printf("sox agreement %d->%d signal %d: %.1f dB%n", from, to, s, agreement);
            assertTrue(agreement < -90, from + "->" + to + " signal " + s + ": difference " + agreement + " dB");
        }
    }

    private static float[] mix(float[]... xs) {
        float[] y = new float[xs[0].length];
        for (float[] x : xs) for (int i = 0; i < y.length; i++) y[i] += x[i];
        return y;
    }
}
