package org.permerge.bench;

import org.permerge.checkpoint.ModelHash;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import org.permerge.checkpoint.ModelHash;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.testing.Fixtures;

class ProbeFeaturesTest {

    static Manifest clips(Path dir, int[] lengths, int rate) {
        Random rng = new Random(3);
        List<Manifest.Clip> clips = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            float[] x = new float[lengths[i]];
            for (int t = 0; t < x.length; t++) x[t] = (float) (0.3 * Math.sin(t * 0.01 * (i + 1)) + 0.05 * rng.nextGaussian());
            String name = "c" + i + ".wav";
            Wav.write(dir.resolve(name), x, rate);
            clips.add(new Manifest.Clip("c" + i, name, lengths[i] / (double) rate, rate, Map.of("k", "v" + (i % 2)),
                    i % 3 == 0 ? "train" : i % 3 == 1 ? "dev" : "test", Map.of(), Map.of(), Manifest.sha256(dir.resolve(name)), dir));
        }
        return Manifest.of(new LinkedHashMap<>(Map.of("generator", "test")), clips, dir);
    }

    @Test
    void poolingExcludesPaddingAndMatchesAManualMean(@TempDir Path dir) {
        EncoderCheckpoint ckpt = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        Manifest m = clips(dir, new int[] {4000, 2500, 1600}, 16000);
        try (HubertEncoder enc = HubertEncoder.create(ckpt.config(), ckpt.weights())) {
            LayerFeatures batched = ProbeFeatures.hiddenStates(enc, Preprocessor.DEFAULT, m.clips(), 3, "test");
            LayerFeatures single = ProbeFeatures.hiddenStates(enc, Preprocessor.DEFAULT, m.clips(), 1, "test");
            assertEquals(ckpt.config().numHiddenLayers() + 1, batched.layers());
            assertEquals(ckpt.config().hiddenSize(), batched.dim());
            float[] a = batched.values(), b = single.values();
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4, "value " + i + ": padding leaked into the mean");

            // manual mean over clip 1's frames, computed alone
            float[] x = ProbeFeatures.prepare(m.clips().get(1), Preprocessor.DEFAULT, enc.minSamples());
            try (NDManager scope = NDManager.newBaseManager()) {
                EncoderOutput o = enc.forward(scope, List.of(x), null);
                NDArray last = o.hiddenStates().get(batched.layers() - 1).get(0).mean(new int[] {0});
                float[] expect = last.toFloatArray();
                for (int d = 0; d < expect.length; d++) {
                    assertEquals(expect[d], batched.get(1, batched.layers() - 1, d), 1e-4);
                }
            }
        }
    }

    @Test
    void meanStdPoolingMatchesAFloat64MeanAndDeviationPerClip(@TempDir Path dir) {
        EncoderCheckpoint ckpt = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        Manifest m = clips(dir, new int[] {4000, 1700, 2600}, 16000);
        int hidden = ckpt.config().hiddenSize();
        try (HubertEncoder enc = HubertEncoder.create(ckpt.config(), ckpt.weights())) {
            // batched with padding: clips 1 and 2 are shorter than clip 0
            LayerFeatures f = ProbeFeatures.hiddenStates(enc, Preprocessor.DEFAULT, m.clips(), 3, "test", Pooling.MEAN_STD);
            LayerFeatures mean = ProbeFeatures.hiddenStates(enc, Preprocessor.DEFAULT, m.clips(), 3, "test", Pooling.MEAN);
            // one clip per batch on three workers: every row in its place, the same values as one worker
            LayerFeatures parallel = ProbeFeatures.hiddenStates(enc, Preprocessor.DEFAULT, m.clips(), 1, "test", Pooling.MEAN_STD, 3);
            LayerFeatures serial = ProbeFeatures.hiddenStates(enc, Preprocessor.DEFAULT, m.clips(), 1, "test", Pooling.MEAN_STD, 1);
            assertArrayEquals(serial.values(), parallel.values());
            assertArrayEquals(serial.clipIds(), parallel.clipIds());
            assertEquals(2 * hidden, f.dim());
            for (int c = 0; c < m.clips().size(); c++) {
                float[] x = ProbeFeatures.prepare(m.clips().get(c), Preprocessor.DEFAULT, enc.minSamples());
                try (NDManager scope = NDManager.newBaseManager()) {
                    EncoderOutput o = enc.forward(scope, List.of(x), null);
                    for (int l = 0; l < f.layers(); l++) {
                        float[] h = o.hiddenStates().get(l).toFloatArray();   // [1, T, H], this clip alone: no padding
                        int frames = h.length / hidden;
                        for (int d = 0; d < hidden; d++) {
                            double s = 0, ss = 0;
                            for (int t = 0; t < frames; t++) s += h[t * hidden + d];
                            double mu = s / frames;
                            for (int t = 0; t < frames; t++) ss += (h[t * hidden + d] - mu) * (h[t * hidden + d] - mu);
                            double sd = Math.sqrt(ss / frames);
                            String at = "clip " + c + ", layer " + l + ", unit " + d;
                            assertEquals(mu, f.get(c, l, d), 1e-4 * (1 + Math.abs(mu)), at + " mean");
                            assertEquals(sd, f.get(c, l, hidden + d), 1e-4 * (1 + sd), at + " deviation");
                            assertEquals(mean.get(c, l, d), f.get(c, l, d), 1e-6, at + ": the mean half equals mean pooling");
                        }
                    }
                }
            }
        }
    }

    @Test
    void poolingNamesParse() {
        assertEquals(Pooling.MEAN_STD, Pooling.parse("mean+std"));
        assertEquals(Pooling.MEAN, Pooling.parse(" Mean "));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Pooling.parse("max"));
        assertTrue(e.getMessage().contains("'max'") && e.getMessage().contains("mean+std"), e.getMessage());
    }

    @Test
    void cacheKeysOnWeightsAndManifest(@TempDir Path dir) {
        EncoderCheckpoint ckpt = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        Manifest m = clips(dir, new int[] {3000, 2000}, 8000);   // 8 kHz clips are resampled to 16 kHz
        FeatureCache cache = new FeatureCache(dir.resolve("cache"));
        String hash = ModelHash.of(ckpt.weights());
        assertEquals(hash, ModelHash.of(EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")).weights()));
        AtomicInteger computed = new AtomicInteger();
        LayerFeatures first, second;
        try (HubertEncoder enc = HubertEncoder.create(ckpt.config(), ckpt.weights())) {
            String key = FeatureCache.key(hash, m.checksum(), "hidden");
            first = cache.getOrCompute(key, Map.of(), () -> {
                computed.incrementAndGet();
                return ProbeFeatures.hiddenStates(enc, Preprocessor.DEFAULT, m.clips(), 2, "test");
            });
            second = cache.getOrCompute(key, Map.of(), () -> {
                computed.incrementAndGet();
                return ProbeFeatures.hiddenStates(enc, Preprocessor.DEFAULT, m.clips(), 2, "test");
            });
        }
        assertEquals(1, computed.get(), "second lookup is served from disk");
        assertEquals(1, cache.hits());
        assertArrayEquals(first.values(), second.values());
        assertNotEquals(FeatureCache.key(hash, m.checksum(), "hidden"), FeatureCache.key(hash, "other", "hidden"));
        var w = ckpt.weights();
        String name = w.names().iterator().next();
        float[] v = w.get(name).toFloatArray();
        v[0] += 1e-3f;
        w.put(name, org.permerge.checkpoint.Tensor.ofFloats(w.get(name).shape(), v));
        assertNotEquals(hash, ModelHash.of(w), "any weight change changes the key");
        assertTrue(first.clips() == 2);
    }
}
