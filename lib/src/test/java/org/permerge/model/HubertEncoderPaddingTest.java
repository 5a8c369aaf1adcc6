package org.permerge.model;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A padded batch gives every clip the same activations as running that clip alone. */
class HubertEncoderPaddingTest {

    static float[] noise(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 0.3 + 0.05);
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void batchOfDifferentLengthsEqualsSingleClipRuns(String layout) {
        Random r = new Random(7);
        List<float[]> clips = List.of(noise(r, 4000), noise(r, 2650), noise(r, 1333));
        try (HubertEncoder enc = HubertEncoderFixtureTest.load(layout); NDManager scope = NDManager.newBaseManager()) {
            TapRecorder batch = new TapRecorder(false);
            EncoderOutput out = enc.forward(scope, clips, batch);
            int[] frames = out.frames();
            assertArrayEquals(enc.framesFor(new int[] {4000, 2650, 1333}), frames);
            assertTrue(frames[2] < frames[1] && frames[1] < frames[0]);
            boolean[] mask = out.frameMask().toBooleanArray();
            int t = (int) out.frameMask().getShape().get(1);
            for (int b = 0; b < 3; b++) {
                for (int f = 0; f < t; f++) assertEquals(f < frames[b], mask[b * t + f]);
            }
            int compared = 0;
            for (int b = 0; b < clips.size(); b++) {
                TapRecorder alone = new TapRecorder(false);
                enc.forward(scope, List.of(clips.get(b)), alone);
                for (Map.Entry<String, float[]> e : alone.values.entrySet()) {
                    String tap = e.getKey();
                    long[] s1 = alone.shapes.get(tap);
                    long[] sb = batch.shapes.get(tap);
                    int valid = (int) s1[1];
                    int d = (int) s1[2];
                    assertEquals(sb[2], d);
                    float[] ours = new float[valid * d];
                    System.arraycopy(batch.values.get(tap), (int) (b * sb[1] * d), ours, 0, valid * d);
                    HubertEncoderFixtureTest.assertClose(e.getValue(), ours, 1e-4, layout + " clip " + b + " tap " + tap);
                    boolean[] m = batch.masks.get(tap);
                    for (int f = 0; f < sb[1]; f++) assertEquals(f < valid, m[(int) (b * sb[1] + f)], tap + " mask");
                    compared++;
                }
            }
            assertEquals(3 * Taps.all(enc.config()).size(), compared);
        }
    }

    @Test
    void tooShortOrInconsistentInputIsRefused() {
        try (HubertEncoder enc = HubertEncoderFixtureTest.load("hubert-tiny-base"); NDManager scope = NDManager.newBaseManager()) {
            int min = enc.minSamples();
            assertEquals(400, min);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> enc.forward(scope, List.of(new float[1000], new float[min - 1]), null));
            assertTrue(e.getMessage().contains("clip 1"), e.getMessage());
            float[] nan = new float[1000];
            nan[17] = Float.NaN;
            e = assertThrows(IllegalArgumentException.class, () -> enc.forward(scope, List.of(nan), null));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> enc.forward(scope, scope.zeros(new ai.djl.ndarray.types.Shape(2, 800)), new int[] {800}, null));
            assertTrue(e.getMessage().contains("1 clip lengths"), e.getMessage());
        }
    }
}
