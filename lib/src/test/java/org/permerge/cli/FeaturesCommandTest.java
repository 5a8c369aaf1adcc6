package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.bench.FeatureEngine;
import org.permerge.bench.LayerFeatures;
import org.permerge.checkpoint.ModelHash;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.model.EncoderCheckpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code features} in this process on the committed mini speech encoder: one row per clip in manifest order, in the
 * feature cache's format, whatever the batch size; and, with the core library alone on the class path (no Spark
 * module), {@code --engine spark} says how to build the module and writes nothing. The Spark module's
 * {@code SparkFeatureEngineTest} checks that Spark gives the same rows.
 */
class FeaturesCommandTest {
    @TempDir
    Path tmp;

    private static String model() {
        return Path.of(System.getProperty("permerge.project.dir", ".."), "data-manifests/models/mini-speech").toString();
    }

    @Test
    void rowsFollowTheManifestAndDoNotDependOnTheBatchSize() {
        Path manifest = CliRun.calibration(tmp, 5, 6400, 9600, 4000, 12000, 8000);
        Path one = tmp.resolve("batch1.safetensors");
        Path three = tmp.resolve("batch3.safetensors");
        assertEquals(0, CliRun.of("features", "--model", model(), "--manifest", manifest.toString(), "--batch-size", "1",
                "--out", one.toString()).rc());
        CliRun r = CliRun.of("features", "--model", model(), "--manifest", manifest.toString(), "--batch-size", "3",
                "--out", three.toString());
        assertEquals(0, r.rc(), r.err());

        LayerFeatures a = LayerFeatures.load(one);
        LayerFeatures b = LayerFeatures.load(three);
        assertEquals(List.of("clip0", "clip1", "clip2", "clip3", "clip4"), List.of(b.clipIds()));
        EncoderCheckpoint encoder = EncoderCheckpoint.load(model());
        assertEquals(encoder.config().numHiddenLayers() + 1, b.layers());
        assertEquals(2 * encoder.config().hiddenSize(), b.dim(), "mean+std pooling by default");
        // Padding a clip beside longer ones changes its pooled features only at float32 rounding.
        for (int c = 0; c < a.clips(); c++) {
            for (int l = 0; l < a.layers(); l++) {
                double scale = 0;
                for (int u = 0; u < a.dim(); u++) scale = Math.max(scale, Math.abs(a.get(c, l, u)));
                for (int u = 0; u < a.dim(); u++) {
                    assertEquals(a.get(c, l, u), b.get(c, l, u), 1e-5 * scale, "clip " + c + " layer " + l + " unit " + u);
                }
            }
        }
        Map<String, String> meta = SafeTensors.read(three).metadata();
        assertEquals(FeatureEngine.cacheKey(ModelHash.of(encoder.weights()), encoder, Manifest.read(manifest), null, org.permerge.bench.Pooling.MEAN_STD), meta.get("cache_key"));
        assertEquals(meta.get("cache_key"), SafeTensors.read(one).metadata().get("cache_key"));
        assertEquals(Manifest.read(manifest).checksum(), meta.get("manifest_sha256"));
        assertEquals("hidden-states-mean+std", meta.get("kind"));
    }

    @Test
    void anAbsentEngineIsNamedWithHowToBuildItAndNothingIsWritten() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureEngine.find("spark"));
        assertTrue(e.getMessage().contains("no feature engine 'spark'") && e.getMessage().contains("-pl spark -am package"),
                e.getMessage());

        Path manifest = CliRun.calibration(tmp, 5, 8000);
        Path out = tmp.resolve("never.safetensors");
        CliRun r = CliRun.of("features", "--engine", "spark", "--model", model(), "--manifest", manifest.toString(),
                "--out", out.toString());
        assertTrue(r.rc() != 0 && r.err().contains("no feature engine 'spark'"), r.err());
        r = CliRun.of("features", "--partitions", "2", "--model", model(), "--manifest", manifest.toString(), "--out", out.toString());
        assertTrue(r.rc() != 0 && r.err().contains("--master and --partitions need --engine spark"), r.err());
        r = CliRun.of("features", "--split", "test", "--model", model(), "--manifest", manifest.toString(), "--out", out.toString());
        assertTrue(r.rc() != 0 && r.err().contains("no clips in " + manifest + " (split test)"), r.err());
        assertFalse(Files.exists(out));
    }
}
