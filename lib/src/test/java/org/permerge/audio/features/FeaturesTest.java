package org.permerge.audio.features;

import org.junit.jupiter.api.Test;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Checks the features against golden values from make_features_golden.py (numpy, float64) beside the resource. */
class FeaturesTest {
    static final StateDict GOLDEN = SafeTensors.read(Path.of(System.getProperty("permerge.project.dir", "."))
            .resolve("lib/src/test/resources/golden/features/features-golden.safetensors"));
    static final float[] SIGNAL = GOLDEN.get("signal").toFloatArray();

    static void assertMatches(String name, float[][] actual, double tolerance) {
        var t = GOLDEN.get(name);
        long[] shape = t.shape();
        assertEquals(shape[0], actual.length, name + " frames");
        float[] g = t.toFloatArray();
        int cols = (int) shape[1];
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            assertEquals(cols, actual[i].length, name + " bins");
            for (int j = 0; j < cols; j++) worst = Math.max(worst, Math.abs(actual[i][j] - g[i * cols + j]));
        }
        System.out.printf("%s: worst difference to numpy %.2e (tolerance %.0e)%n", name, worst, tolerance);
        assertTrue(worst <= tolerance, name + ": worst difference " + worst + " > " + tolerance);
    }

    @Test
    void logMelMatchesNumpy() {
        assertMatches("logmel", new LogMel().compute(SIGNAL, 16000), 5e-4);
    }

    @Test
    void logMelAt20msHopHasTheEncoderFrameCount() {
        float[][] lm = new LogMel().withHop(0.020).compute(SIGNAL, 16000);
        assertMatches("logmel_hop20", lm, 5e-4);
        // a HuBERT CNN (receptive field 400, stride 320) gives floor((N - 400) / 320) + 1 frames
        assertEquals((SIGNAL.length - 400) / 320 + 1, lm.length);
    }

    @Test
    void melWeightsMatchNumpy() {
        assertMatches("mel_weights", MelFilterbank.weights(80, 512, 16000, 0, 8000), 1e-6);
    }

    @Test
    void mfccAndDeltasMatchNumpy() {
        assertMatches("mfcc", new Mfcc().compute(SIGNAL, 16000), 1e-4);
        assertMatches("mfcc_deltas2", new Mfcc().withDeltas(2).compute(SIGNAL, 16000), 1e-4);
    }

    @Test
    void chromaMatchesNumpyAndFindsTheCMajorTriad() {
        float[][] c = new Chroma().compute(SIGNAL, 16000);
        assertMatches("chroma", c, 1e-5);
        // the signal holds C4, E4, G4 plus a chirp sweeping every class: summed over frames, C, E, G lead
        float[] mid = new float[12];
        for (float[] row : c) for (int k = 0; k < 12; k++) mid[k] += row[k];
        int[] order = java.util.stream.IntStream.range(0, 12).boxed()
                .sorted((a, b) -> Float.compare(mid[b], mid[a])).mapToInt(Integer::intValue).toArray();
        assertEquals(java.util.Set.of(0, 4, 7), java.util.Set.of(order[0], order[1], order[2]));
    }

    @Test
    void shortSignalsHaveNoFramesAndBadSettingsAreRejected() {
        assertEquals(0, new LogMel().compute(new float[399], 16000).length);
        assertEquals(1, new LogMel().compute(new float[400], 16000).length);
        assertThrows(IllegalArgumentException.class, () -> new LogMel(80, 0.025, 0, 0, null, 1e-10));
        assertThrows(IllegalArgumentException.class, () -> new Mfcc(new LogMel(), 81, 0));
        assertThrows(IllegalArgumentException.class, () -> new LogMel(80, 0.025, 0.01, 0, 9000.0, 1e-10).compute(SIGNAL, 16000));
        assertThrows(IllegalArgumentException.class, () -> new Stft(0.025, 0.01, 0.02));
    }

    @Test
    void silenceGivesTheLogFloorAndZeroChroma() {
        float[][] lm = new LogMel().compute(new float[1600], 16000);
        assertEquals((float) Math.log(1e-10), lm[3][10], 1e-6);
        float[][] c = new Chroma().compute(new float[1600], 16000);
        for (float v : c[2]) assertEquals(0f, v);
    }
}
