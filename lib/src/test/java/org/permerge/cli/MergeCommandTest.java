package org.permerge.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.ModelHash;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.testing.Fixtures;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** {@code permerge merge --stats}: statistics of other weights are refused, the provenance names what was used. */
class MergeCommandTest {
    @TempDir
    static Path tmp;
    static Path modelA;
    static Path modelB;
    static Path manifest;
    static Path stats;

    @BeforeAll
    static void setUp() {
        modelA = Fixtures.hubert("hubert-tiny-base");
        EncoderCheckpoint a = EncoderCheckpoint.load(modelA);
        // B: A with every weight nudged, same architecture, other content.
        Random rnd = new Random(5);
        StateDict w = new StateDict();
        for (Map.Entry<String, Tensor> e : a.weights().tensors().entrySet()) {
            float[] x = e.getValue().toFloatArray();
            for (int k = 0; k < x.length; k++) x[k] += (float) (0.01 * rnd.nextGaussian());
            w.put(e.getKey(), Tensor.ofFloats(e.getValue().shape(), x));
        }
        modelB = tmp.resolve("model-b");
        EncoderCheckpoint.of(a.config(), w, a.preprocessor()).save(modelB, Map.of());
        List<Manifest.Clip> clips = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            float[] x = new float[4000 + 800 * c];
            for (int t = 0; t < x.length; t++) x[t] = (float) (0.3 * Math.sin(2 * Math.PI * (200 + 70 * c) * t / 16000) + 0.05 * rnd.nextGaussian());
            Path wav = tmp.resolve("clip" + c + ".wav");
            Wav.write(wav, x, 16000);
            clips.add(new Manifest.Clip("clip" + c, wav.getFileName().toString(), x.length / 16000.0, 16000, Map.of(),
                    "calibration", Map.of(), Map.of(), Manifest.sha256(wav), tmp));
        }
        manifest = tmp.resolve("calibration.jsonl");
        Manifest.of(Map.of("generator", "MergeCommandTest"), clips, tmp).write(manifest);
        stats = tmp.resolve("stats.safetensors");
        assertEquals(0, new CommandLine(new Main()).execute("stats", "--a", modelA.toString(), "--b", modelB.toString(),
                "--calibration", manifest.toString(), "--out", stats.toString()));
    }

    private static String[] run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute(args);
        return new String[] {Integer.toString(rc), err.toString()};
    }

    @Test
    void statisticsOfSwappedModelsAreRefusedNamingBothHashes() throws Exception {
        byte[] before = Files.readAllBytes(stats);
        Path out = tmp.resolve("swapped");
        String[] r = run("merge", "--a", modelB.toString(), "--b", modelA.toString(), "--stats", stats.toString(),
                "--recipe", "cnn+ff+attn", "--lambda", "0.5", "--out", out.toString());
        assertNotEquals("0", r[0]);
        String hashA = ModelHash.ofInference(EncoderCheckpoint.load(modelA).weights());
        String hashB = ModelHash.ofInference(EncoderCheckpoint.load(modelB).weights());
        assertTrue(r[1].contains("model A: the statistics were measured on weights with sha256 " + hashA), r[1]);
        assertTrue(r[1].contains("model B: the statistics were measured on weights with sha256 " + hashB), r[1]);
        assertTrue(r[1].contains("A and B are swapped"), r[1]);
        assertFalse(Files.exists(out), "nothing is written");
        assertArrayEquals(before, Files.readAllBytes(stats));
    }

    @Test
    void aStatisticsFileWithoutModelHashesIsRefused() {
        EncoderCheckpoint a = EncoderCheckpoint.load(modelA);
        Path old = tmp.resolve("old.safetensors");
        org.permerge.correlate.AlignmentStatistics.builder().setConfigA(a.config()).setConfigB(a.config()).build().save(old);
        Path out = tmp.resolve("from-old");
        String[] r = run("merge", "--a", modelA.toString(), "--b", modelB.toString(), "--stats", old.toString(),
                "--recipe", "cnn", "--lambda", "0.5", "--out", out.toString());
        assertNotEquals("0", r[0]);
        assertTrue(r[1].contains("old.safetensors records no hash of model A's weights"), r[1]);
        assertFalse(Files.exists(out));
    }

    @Test
    void saveStatsWithStatsIsRefused() {
        Path out = tmp.resolve("never");
        Path save = tmp.resolve("never.safetensors");
        String[] r = run("merge", "--a", modelA.toString(), "--b", modelB.toString(), "--stats", stats.toString(),
                "--save-stats", save.toString(), "--recipe", "cnn", "--lambda", "0.5", "--out", out.toString());
        assertNotEquals("0", r[0]);
        assertTrue(r[1].contains("--save-stats") && r[1].contains("accumulates nothing"), r[1]);
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(save));
    }

    @Test
    void aMergeFromAStatsFileRecordsTheCalibrationManifestAndBothModelHashes() throws Exception {
        Path out = tmp.resolve("merged");
        String[] r = run("merge", "--a", modelA.toString(), "--b", modelB.toString(), "--stats", stats.toString(),
                "--recipe", "cnn+ff+attn", "--lambda", "0.5", "--out", out.toString());
        assertEquals("0", r[0], r[1]);
        JsonObject prov = JsonParser.parseString(Files.readString(out.resolve(EncoderCheckpoint.PROVENANCE_FILE))).getAsJsonObject();
        assertEquals(manifest.toAbsolutePath().normalize().toString(), prov.get("calibration.manifest").getAsString());
        assertEquals(Manifest.read(manifest).checksum(), prov.get("calibration.sha256").getAsString());
        assertEquals(ModelHash.ofInference(EncoderCheckpoint.load(modelA).weights()), prov.get("model.A.sha256").getAsString());
        assertEquals(ModelHash.ofInference(EncoderCheckpoint.load(modelB).weights()), prov.get("model.B.sha256").getAsString());
        assertEquals(prov.get("model.B.sha256").getAsString(), prov.get("statistics.model.B.sha256").getAsString());
    }

    @Test
    void aModelMergedWithItselfOverSilentCalibrationAudioIsTheModelAndDeadUnitsAreReported() throws Exception {
        Path dir = tmp.resolve("silence");
        Files.createDirectories(dir);
        List<Manifest.Clip> clips = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            Path wav = dir.resolve("silence" + c + ".wav");
            Wav.write(wav, new float[4000 + 1000 * c], 16000);
            clips.add(new Manifest.Clip("silence" + c, wav.getFileName().toString(), (4000 + 1000 * c) / 16000.0, 16000, Map.of(),
                    "calibration", Map.of(), Map.of(), Manifest.sha256(wav), dir));
        }
        Path silent = dir.resolve("silence.jsonl");
        Manifest.of(Map.of("generator", "MergeCommandTest silence"), clips, dir).write(silent);
        Path out = tmp.resolve("self-merge");
        String[] r = run("merge", "--a", modelA.toString(), "--b", modelA.toString(), "--calibration", silent.toString(),
                "--recipe", "cnn+all", "--lambda", "0.5", "--out", out.toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("cnn.0: dead units A"), "merge warns about dead units: " + r[1]);
        EncoderCheckpoint a = EncoderCheckpoint.load(modelA);
        EncoderCheckpoint merged = EncoderCheckpoint.load(out);
        double worst = 0;
        for (String n : a.weights().names()) {
            float[] want = a.weights().get(n).toFloatArray();
            float[] got = merged.weights().get(n).toFloatArray();
            for (int k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(want[k] - got[k]) / (1 + Math.abs(want[k])));
        }
        assertTrue(worst < 1e-6, "the merge of A with itself is A; largest relative weight difference " + worst);
    }
}
