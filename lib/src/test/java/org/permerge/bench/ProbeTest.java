package org.permerge.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTest {
    static final int LAYERS = 4, DIM = 6, CLASSES = 3, INFORMATIVE = 2;
    static final ProbeConfig FAST = new ProbeConfig(0, 2e-2, 1e-4, 48, 80, 10, 0L);

    /** Clips whose layer 2 holds a class-dependent shift (linearly separable); every other layer is noise. */
    static LayerFeatures synthetic(int n, int[] labels, long seed, String prefix) {
        Random rng = new Random(seed);
        float[] v = new float[n * LAYERS * DIM];
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = prefix + i;
            labels[i] = i % CLASSES;
            for (int l = 0; l < LAYERS; l++) {
                for (int d = 0; d < DIM; d++) {
                    double x = rng.nextGaussian() * (l == INFORMATIVE ? 0.5 : 2.0);
                    if (l == INFORMATIVE && d == labels[i]) x += 3;
                    v[(i * LAYERS + l) * DIM + d] = (float) x;
                }
            }
        }
        return new LayerFeatures(ids, LAYERS, DIM, v);
    }

    @Test
    void learnsSeparableTaskAndWeightsTheInformativeLayer() {
        int[] ytr = new int[240], ydev = new int[60], yte = new int[90];
        LayerFeatures tr = synthetic(240, ytr, 1, "tr"), dev = synthetic(60, ydev, 2, "dev"), te = synthetic(90, yte, 3, "te");
        TrainedProbe p = Probe.train(tr, ytr, dev, ydev, CLASSES, FAST);
        assertTrue(p.accuracy(te, yte) >= 0.95, "test accuracy " + p.accuracy(te, yte));
        double[] w = p.layerWeights();
        assertEquals(1.0, Arrays.stream(w).sum(), 1e-9);
        for (int l = 0; l < LAYERS; l++) {
            if (l != INFORMATIVE) assertTrue(w[INFORMATIVE] > 2 * w[l], "layer weights " + Arrays.toString(w));
        }
        assertTrue(w[INFORMATIVE] > 0.4, "layer weights " + Arrays.toString(w));
        assertTrue(p.bestEpoch() >= 1 && p.epochsRun() >= p.bestEpoch());

        TrainedProbe again = Probe.train(tr, ytr, dev, ydev, CLASSES, FAST);
        assertArrayEquals(p.predict(te), again.predict(te), "fixed seed reproduces");
        assertArrayEquals(p.layerWeights(), again.layerWeights(), 1e-6);
    }

    @Test
    void hiddenLayerHeadLearnsToo() {
        int[] ytr = new int[240], ydev = new int[60], yte = new int[90];
        LayerFeatures tr = synthetic(240, ytr, 4, "tr"), dev = synthetic(60, ydev, 5, "dev"), te = synthetic(90, yte, 6, "te");
        TrainedProbe p = Probe.train(tr, ytr, dev, ydev, CLASSES, FAST.withHiddenUnits(16));
        assertTrue(p.accuracy(te, yte) >= 0.9, "test accuracy " + p.accuracy(te, yte));
    }

    @Test
    void noiseOnlyFeaturesStayNearChance() {
        int[] ytr = new int[240], ydev = new int[60], yte = new int[300];
        LayerFeatures tr = synthetic(240, ytr, 7, "tr"), dev = synthetic(60, ydev, 8, "dev"), te = synthetic(300, yte, 9, "te");
        // shuffle training labels: nothing to learn, so test accuracy must stay near 1/3
        Random r = new Random(0);
        for (int i = ytr.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = ytr[i];
            ytr[i] = ytr[j];
            ytr[j] = t;
        }
        TrainedProbe p = Probe.train(tr, ytr, dev, ydev, CLASSES, FAST);
        assertTrue(p.accuracy(te, yte) < 0.5, "accuracy with shuffled labels " + p.accuracy(te, yte));
    }

    @Test
    void badInputIsNamed() {
        int[] y = new int[10];
        LayerFeatures f = synthetic(10, y, 1, "x");
        y[3] = 7;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Probe.train(f, y, f, new int[10], CLASSES, FAST));
        assertTrue(e.getMessage().contains("x3"), e.getMessage());
        float[] nan = new float[LAYERS * DIM];
        nan[5] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> new LayerFeatures(new String[] {"c"}, LAYERS, DIM, nan));
        assertTrue(e.getMessage().contains("clip c"), e.getMessage());
    }

    @Test
    void featuresRoundTripThroughSafetensors(@TempDir Path dir) {
        int[] y = new int[5];
        LayerFeatures f = synthetic(5, y, 1, "clip/");
        Path file = dir.resolve("f.safetensors");
        f.save(file, Map.of("model", "test"));
        LayerFeatures g = LayerFeatures.load(file);
        assertArrayEquals(f.clipIds(), g.clipIds());
        assertArrayEquals(f.values(), g.values());
        assertEquals(LAYERS, g.layers());
    }
}
