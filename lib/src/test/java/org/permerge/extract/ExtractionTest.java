package org.permerge.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

import java.nio.file.Path;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;
import org.permerge.model.Taps;
import org.permerge.testing.Fixtures;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Extraction hands on exactly the real frames of each clip, whatever the batching and preprocessing. */
class ExtractionTest {
    static HubertEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = HubertEncoder.create(EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")));
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    static List<float[]> clips(long seed, int... lengths) {
        Random r = new Random(seed);
        List<float[]> out = new ArrayList<>();
        for (int n : lengths) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) (0.2 * r.nextGaussian() + 0.1);
            out.add(x);
        }
        return out;
    }

    /** Collects each tap's rows on the Java heap, in arrival order. */
    static final class Rows implements FrameTapConsumer {
        final Map<String, List<float[]>> rows = new HashMap<>();
        final Map<String, Integer> width = new HashMap<>();

        @Override
        public void accept(String tap, NDArray frames) {
            int d = (int) frames.getShape().get(1);
            width.put(tap, d);
            float[] v = frames.toFloatArray();
            List<float[]> list = rows.computeIfAbsent(tap, k -> new ArrayList<>());
            for (int i = 0; i < v.length / d; i++) list.add(java.util.Arrays.copyOfRange(v, i * d, (i + 1) * d));
        }
    }

    /** The rows of one clip run alone, taken straight from the encoder. */
    static Map<String, List<float[]>> alone(float[] clip) {
        Map<String, List<float[]>> out = new HashMap<>();
        try (NDManager scope = NDManager.newBaseManager()) {
            encoder.forward(scope, List.of(clip), (TapConsumer) (tap, a, mask) -> {
                int t = (int) a.getShape().get(1);
                int d = (int) a.getShape().get(2);
                float[] v = a.toFloatArray();
                List<float[]> list = new ArrayList<>();
                for (int i = 0; i < t; i++) list.add(java.util.Arrays.copyOfRange(v, i * d, (i + 1) * d));
                out.put(tap, list);
            });
        }
        return out;
    }

    @Test
    void everyRealFrameOnceInLongestFirstOrderAcrossBatches() {
        List<float[]> clips = clips(5, 1500, 4000, 900, 2600);
        Rows rows = new Rows();
        ExtractionSummary s = Extraction.builder().setEncoder(encoder).setPreprocessor(new Preprocessor(16000, false))
                .optMaxBatchSeconds(0.4).optProgress(false).build().run(clips, 16000, rows);
        assertEquals(4, s.clips());
        int[] order = {1, 3, 0, 2};
        long frames = 0;
        for (int i : order) frames += encoder.framesFor(new int[] {clips.get(i).length})[0];
        assertEquals(frames, s.frames());
        assertEquals((1500 + 4000 + 900 + 2600) / 16000.0, s.audioSeconds(), 1e-9);
        List<Map<String, List<float[]>>> single = new ArrayList<>();
        for (int i : order) single.add(alone(clips.get(i)));
        for (String tap : Taps.all(encoder.config())) {
            List<float[]> expected = new ArrayList<>();
            for (Map<String, List<float[]>> one : single) expected.addAll(one.get(tap));
            List<float[]> got = rows.rows.get(tap);
            assertEquals(expected.size(), got.size(), tap + " rows");
            for (int r = 0; r < got.size(); r++) {
                for (int d = 0; d < got.get(r).length; d++) {
                    assertEquals(expected.get(r)[d], got.get(r)[d], 1e-4, tap + " row " + r);
                }
            }
        }
    }

    @Test
    void modelPreprocessingAndWantedTapsAreHonoured() {
        List<float[]> clips = clips(6, 3000, 2000);
        Rows rows = new Rows();
        FrameTapConsumer onlyFfn = new FrameTapConsumer() {
            @Override
            public void accept(String tap, NDArray frames) {
                rows.accept(tap, frames);
            }

            @Override
            public boolean wants(String tap) {
                return tap.equals(Taps.intermediateAct(1));
            }
        };
        Extraction.builder().setEncoder(encoder).setPreprocessor(new Preprocessor(16000, true)).optProgress(false)
                .build().run(clips, 16000, onlyFfn);
        assertEquals(1, rows.rows.size());
        float[] normalised = new Preprocessor(16000, true).apply(clips.get(0), 16000);
        List<float[]> expected = alone(normalised).get(Taps.intermediateAct(1));
        List<float[]> got = rows.rows.get(Taps.intermediateAct(1));
        for (int r = 0; r < expected.size(); r++) {
            for (int d = 0; d < expected.get(r).length; d++) assertEquals(expected.get(r)[d], got.get(r)[d], 1e-4);
        }
    }

    @Test
    void manifestClipsAreReadBatchByBatchAtTheirRecordedRate(@TempDir Path dir) {
        List<float[]> clips = clips(8, 3000, 2200, 4000);
        List<Manifest.Clip> entries = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            Wav.write(dir.resolve("c" + i + ".wav"), clips.get(i), 16000);
            entries.add(new Manifest.Clip("c" + i, "c" + i + ".wav", clips.get(i).length / 16000.0, 16000, Map.of(),
                    "calibration", Map.of(), Map.of(), null, dir));
        }
        Manifest manifest = Manifest.of(Map.of("generator", "test"), entries, dir);
        Rows fromManifest = new Rows();
        ExtractionSummary s = Extraction.builder().setEncoder(encoder).setPreprocessor(new Preprocessor(16000, false))
                .optMaxBatchSeconds(0.3).optProgress(false).build().run(manifest, fromManifest);
        assertEquals(3, s.clips());
        // 16-bit WAV quantises the audio: compare with the decoded samples run directly
        List<float[]> decoded = new ArrayList<>();
        for (Manifest.Clip c : manifest.clips()) decoded.add(c.load().mono());
        Rows direct = new Rows();
        Extraction.builder().setEncoder(encoder).setPreprocessor(new Preprocessor(16000, false)).optMaxBatchSeconds(0.3)
                .optProgress(false).build().run(decoded, 16000, direct);
        String tap = Taps.layer(1);
        assertEquals(direct.rows.get(tap).size(), fromManifest.rows.get(tap).size());
        for (int r = 0; r < direct.rows.get(tap).size(); r++) {
            assertArrayEquals(direct.rows.get(tap).get(r), fromManifest.rows.get(tap).get(r), 1e-6f);
        }
    }

    @Test
    void wrongRateIsRefusedUnlessResamplingIsAsked() {
        List<float[]> clips = clips(7, 3000);
        Extraction ex = Extraction.builder().setEncoder(encoder).setPreprocessor(new Preprocessor(16000, false)).optProgress(false).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ex.run(clips, 8000, (tap, f) -> { }));
        assertTrue(e.getMessage().contains("clip 0") && e.getMessage().contains("8000"), e.getMessage());
        Rows rows = new Rows();
        ExtractionSummary s = Extraction.builder().setEncoder(encoder).setPreprocessor(new Preprocessor(16000, false))
                .optResample(true).optProgress(false).build().run(clips, 8000, rows);
        assertEquals(encoder.framesFor(new int[] {6000})[0], s.frames());
    }
}
