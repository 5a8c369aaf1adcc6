package org.permerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;

class FbankFeaturesTest {
    @Test
    void poolsMeanThenStdPerBand() {
        float[][] frames = {{1, 10}, {3, 10}, {5, 10}};
        float[] out = new float[4];
        FbankFeatures.pool(frames, 2, out, 0);
        assertEquals(3, out[0], 1e-6);                       // mean of band 0
        assertEquals(10, out[1], 1e-6);                      // mean of band 1
        assertEquals(Math.sqrt(8.0 / 3), out[2], 1e-6);      // population std of 1, 3, 5
        assertEquals(0, out[3], 1e-6);
    }

    @Test
    void oneLayerOf160PerClipAt16k(@TempDir Path dir) {
        Manifest m = ProbeFeaturesTest.clips(dir, new int[] {8000, 4000, 300}, 8000);   // 8 kHz clips are resampled; 300 samples is padded
        LayerFeatures f = FbankFeatures.compute(m.clips());
        assertEquals(3, f.clips());
        assertEquals(1, f.layers());
        assertEquals(160, f.dim());
        // the means are log energies (finite, mostly negative for quiet clips); the deviations are ≥ 0
        for (int i = 0; i < 3; i++) for (int d = 80; d < 160; d++) assertTrue(f.get(i, 0, d) >= 0);
    }
}
