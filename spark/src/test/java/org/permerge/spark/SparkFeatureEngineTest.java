package org.permerge.spark;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.bench.Pooling;
import org.permerge.audio.Manifest;
import org.permerge.bench.FeatureEngine;
import org.permerge.bench.LayerFeatures;
import org.permerge.checkpoint.ModelHash;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.cli.Main;
import org.permerge.model.EncoderCheckpoint;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Probe features on Spark against the single-process {@code features} command, on the ci preset's encoders (the
 * committed mini speech and music encoders) and a handful of synthetic clips: the same rows in manifest order to
 * 1e-6 relative; and a task that fails once is retried without its rows counting twice.
 */
class SparkFeatureEngineTest {
    @TempDir
    static Path tmp;

    static Path manifest;
    static List<String> ids;
    static final String[] DOMAINS = {"speech", "music"};

    @BeforeAll
    static void singleProcessFeatures() {
        // Seven clips of unlike lengths in batches of two: four batches, the last a single clip, so parts of whole
        // batches differ in size and a batch pads its clips to its longer one.
        manifest = SyntheticClips.manifest(tmp, "clips.jsonl", new int[] {8000, 11200, 5600, 9600, 12800, 7200, 4800}, 29);
        ids = Manifest.read(manifest).clips().stream().map(Manifest.Clip::id).toList();
        for (String domain : DOMAINS) {
            assertEquals(0, run("features", "--model", SyntheticClips.model(domain), "--manifest", manifest.toString(),
                    "--batch-size", "2", "--out", tmp.resolve("single-" + domain + ".safetensors").toString()));
        }
    }

    private static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    /** Same clips in the same order and every value within 1e-6 of the largest magnitude of its clip's hidden state. */
    private static void assertSameFeatures(LayerFeatures expected, LayerFeatures actual) {
        assertArrayEquals(expected.clipIds(), actual.clipIds());
        assertEquals(expected.layers(), actual.layers());
        assertEquals(expected.dim(), actual.dim());
        for (int c = 0; c < expected.clips(); c++) {
            for (int l = 0; l < expected.layers(); l++) {
                double scale = 0;
                for (int u = 0; u < expected.dim(); u++) scale = Math.max(scale, Math.abs(expected.get(c, l, u)));
                assertTrue(scale > 0, "clip " + c + " layer " + l + " is all zeros");
                for (int u = 0; u < expected.dim(); u++) {
                    double e = expected.get(c, l, u);
                    double a = actual.get(c, l, u);
                    if (Math.abs(e - a) > 1e-6 * scale) {
                        fail("clip " + expected.clipId(c) + " layer " + l + " unit " + u + ": " + e + " vs " + a + " (scale " + scale + ")");
                    }
                }
            }
        }
    }

    @Test
    void sparkLocal2EqualsOneProcessForBothEncoders() {
        for (String domain : DOMAINS) {
            Path single = tmp.resolve("single-" + domain + ".safetensors");
            Path spark = tmp.resolve("spark-" + domain + ".safetensors");
            assertEquals(0, run("features", "--engine", "spark", "--master", "local[2]", "--partitions", "2",
                    "--model", SyntheticClips.model(domain), "--manifest", manifest.toString(), "--batch-size", "2",
                    "--out", spark.toString()));
            LayerFeatures one = LayerFeatures.load(single);
            LayerFeatures two = LayerFeatures.load(spark);
            assertEquals(ids, List.of(one.clipIds()));
            EncoderCheckpoint encoder = EncoderCheckpoint.load(SyntheticClips.model(domain));
            assertEquals(encoder.config().numHiddenLayers() + 1, one.layers());
            assertEquals(Pooling.MEAN_STD.dim(encoder.config().hiddenSize()), one.dim(), "the default pooling: mean+std");
            assertSameFeatures(one, two);
            // The same cache entry: a Spark file can stand in for the single-process one.
            Map<String, String> m1 = SafeTensors.read(single).metadata();
            Map<String, String> m2 = SafeTensors.read(spark).metadata();
            assertEquals(m1.get("cache_key"), m2.get("cache_key"));
            assertEquals(FeatureEngine.cacheKey(ModelHash.of(encoder.weights()), encoder, Manifest.read(manifest), null, Pooling.MEAN_STD),
                    m2.get("cache_key"));
            assertTrue(m2.get("created_by").endsWith("features --engine spark"), m2.get("created_by"));
        }
        // Two encoders, two different sets of features: the comparison above can tell them apart.
        assertNotEquals(Arrays.toString(LayerFeatures.load(tmp.resolve("single-speech.safetensors")).values()),
                Arrays.toString(LayerFeatures.load(tmp.resolve("spark-music.safetensors")).values()));
    }

    private static FeatureEngine.Job job(String master) {
        return new FeatureEngine.Job(SyntheticClips.model("speech"), null, manifest, null, true, 2, Pooling.MEAN_STD,
                Map.of("master", master, "partitions", "2", "spark.ui.enabled", "false"));
    }

    @Test
    void aTaskThatFailsOnceIsRetriedWithoutDuplicatingRows() {
        // Part 1's first attempt computes its rows, then dies before returning them.
        PartitionFault once = (partition, attempt) -> {
            if (partition == 1 && attempt == 0) throw new IllegalStateException("injected executor failure");
        };
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LayerFeatures f = new SparkFeatureEngine(new PrintStream(log, true, StandardCharsets.UTF_8)).compute(job("local[2,2]"), once);
        String progress = log.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("part 1 attempt 0 failed") && progress.contains("injected executor failure")
                && progress.contains("its features are dropped"), progress);
        assertTrue(progress.contains("2 of 2 parts, 7 of 7 clips"), progress);
        assertEquals(ids, List.of(f.clipIds()));
        assertSameFeatures(LayerFeatures.load(tmp.resolve("single-speech.safetensors")), f);

        // Plain local mode never retries: the same fault fails the job, so the retry above is Spark's doing.
        Exception e = assertThrows(Exception.class, () -> new SparkFeatureEngine(new PrintStream(new ByteArrayOutputStream()))
                .compute(job("local[2]"), once));
        assertTrue(String.valueOf(e.getMessage()).contains("injected executor failure"), e.toString());
    }

    @Test
    void anExecutorReadingOtherWeightsIsRefused() {
        FeatureEngine.Job wrong = new FeatureEngine.Job(SyntheticClips.model("speech"),
                ModelHash.of(EncoderCheckpoint.load(SyntheticClips.model("music")).weights()), manifest, null, true, 2, Pooling.MEAN_STD,
                Map.of("master", "local[2]", "spark.ui.enabled", "false"));
        Exception e = assertThrows(Exception.class, () -> new SparkFeatureEngine(new PrintStream(new ByteArrayOutputStream()))
                .compute(wrong));
        assertTrue(String.valueOf(e.getMessage()).contains("every executor must see the same model"), e.toString());
    }

    @Test
    void partsAreRunsOfWholeBatchesCoveringEveryClipOnce() {
        assertArrayEquals(new int[] {0, 4, 7}, FeatureTask.bounds(7, 2, 2));
        assertArrayEquals(new int[] {0, 2, 4, 6, 7}, FeatureTask.bounds(7, 2, 4));
        assertArrayEquals(new int[] {0, 5}, FeatureTask.bounds(5, 8, 1));
        // Every cut a whole number of batches, every part non-empty, parts within one batch of each other.
        for (int clips = 1; clips <= 40; clips++) {
            for (int batch = 1; batch <= 9; batch++) {
                int batches = (clips + batch - 1) / batch;
                for (int parts = 1; parts <= batches; parts++) {
                    int[] b = FeatureTask.bounds(clips, batch, parts);
                    assertEquals(0, b[0]);
                    assertEquals(clips, b[parts]);
                    int min = Integer.MAX_VALUE;
                    int max = 0;
                    for (int p = 0; p < parts; p++) {
                        assertTrue(b[p + 1] > b[p], clips + " clips, batch " + batch + ", " + parts + " parts: " + Arrays.toString(b));
                        if (p < parts - 1) assertEquals(0, b[p + 1] % batch, Arrays.toString(b));
                        int n = (b[p + 1] - b[p] + batch - 1) / batch;
                        min = Math.min(min, n);
                        max = Math.max(max, n);
                    }
                    assertTrue(max - min <= 1, Arrays.toString(b));
                }
                int c = clips;
                int size = batch;
                assertThrows(IllegalArgumentException.class, () -> FeatureTask.bounds(c, size, batches + 1));
            }
        }
    }
}
