package org.permerge.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.permerge.audio.Audio;
import org.permerge.audio.Resampler;
import org.permerge.checkpoint.Preprocessor;

/** The one clip preparation: mono, the model's rate, long enough for a frame, normalised as the model says. */
class ClipPreparationTest {
    static final Preprocessor NORMALISING = new Preprocessor(16000, true);

    static float[] ramp(int n, double offset) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (offset + Math.sin(i * 0.05));
        return x;
    }

    /** Zero mean, unit variance in float64, as the model card's feature extractor defines it. */
    static float[] normalised(float[] x) {
        double mean = 0, var = 0;
        for (float v : x) mean += v;
        mean /= x.length;
        for (float v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) ((x[i] - mean) / Math.sqrt(var + 1e-7));
        return out;
    }

    @Test
    void stereoIsMixedToMonoThenNormalised() {
        float[] left = ramp(800, 0.5), right = ramp(800, -0.1);
        float[] mono = new float[800];
        for (int i = 0; i < mono.length; i++) mono[i] = (float) ((left[i] + right[i]) / 2.0);
        float[] got = ClipPreparation.of(NORMALISING, 400).prepare(new Audio(new float[][] {left, right}, 16000), "clip 0");
        assertArrayEquals(normalised(mono), got, 1e-5f);
    }

    @Test
    void anotherRateIsRefusedByNameUnlessResamplingIsAllowed() {
        Audio at8k = Audio.ofMono(ramp(4000, 0.2), 8000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClipPreparation.of(NORMALISING, 400).prepare(at8k, "clip 'x' (x.wav)"));
        assertTrue(e.getMessage().contains("clip 'x' (x.wav)") && e.getMessage().contains("8000") && e.getMessage().contains("16000"),
                e.getMessage());
        float[] got = ClipPreparation.of(NORMALISING, 400).withResample(true).prepare(at8k, "clip 'x' (x.wav)");
        assertArrayEquals(normalised(Resampler.resample(at8k.mono(), 8000, 16000)), got, 1e-5f);
    }

    @Test
    void aClipTooShortForOneFrameIsRefusedOrPaddedWithSilenceBeforeNormalising() {
        Audio shortClip = Audio.ofMono(ramp(300, 0.3), 16000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClipPreparation.of(NORMALISING, 400).named("B").prepare(shortClip, "clip 7"));
        assertTrue(e.getMessage().contains("clip 7") && e.getMessage().contains("300 samples") && e.getMessage().contains("model B")
                && e.getMessage().contains("400"), e.getMessage());
        float[] padded = new float[400];
        System.arraycopy(shortClip.mono(), 0, padded, 0, 300);
        float[] got = ClipPreparation.of(NORMALISING, 400).padShortClips().prepare(shortClip, "clip 7");
        assertArrayEquals(normalised(padded), got, 1e-5f);
    }

    @Test
    void aNonFiniteSampleIsNamedWithItsClip() {
        float[] x = ramp(500, 0);
        x[17] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClipPreparation.of(Preprocessor.DEFAULT, 400).prepare(Audio.ofMono(x, 16000), "clip 3"));
        assertTrue(e.getMessage().startsWith("clip 3: ") && e.getMessage().contains("sample 17"), e.getMessage());
    }

    @Test
    void rawWaveformModelsGetACopyAndGivenClipsPassUnchanged() {
        float[] x = ramp(500, 0.4);
        float[] raw = ClipPreparation.of(Preprocessor.DEFAULT, 400).prepare(Audio.ofMono(x, 16000), "clip 0");
        assertArrayEquals(x, raw);
        raw[0] = 9;
        assertEquals((float) (0.4 + Math.sin(0)), x[0], "the input is never modified");
        assertSame(x, ClipPreparation.asGiven().prepare(Audio.ofMono(x, 8000), "clip 0"));
    }

    @Test
    void recordedLengthsAreCheckedBeforeAnyClipIsLoaded() {
        // 0.02 s at 16 kHz is 320 samples: too short for a 400-sample receptive field
        ClipSource source = ClipSource.of(List.of(new float[16000], new float[320]), 16000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClipPreparation.of(Preprocessor.DEFAULT, 400).named("A").checkLengths(source));
        assertTrue(e.getMessage().startsWith("1 clip(s)") && e.getMessage().contains("clip 1: 320 samples")
                && e.getMessage().contains("model A"), e.getMessage());
        ClipPreparation.of(Preprocessor.DEFAULT, 400).padShortClips().checkLengths(source);   // padded: nothing to refuse
    }
}
