package org.permerge.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.Version;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.ModelHash;
import org.permerge.checkpoint.Provenance;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every command records its provenance through the one record: what each wrote reads back into a {@link Provenance} and
 * writes out as the same entries, with the same required keys, the command line as typed, and hashes that match the
 * files and weights they name.
 */
class CommandProvenanceTest {
    @TempDir
    Path tmp;

    private static void ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.rc(), String.join(" ", args) + ": " + r.err());
    }

    /** The entries a result carries, checked: the record round-trips them and has every required key. */
    private static Provenance check(String command, Map<String, String> written) {
        Provenance p = Provenance.fromMetadata(written);
        assertEquals(written, p.toMetadata(), command + ": the entries are the record's");
        assertEquals(p, Provenance.fromMetadata(p.toMetadata()), command);
        for (String k : Provenance.REQUIRED) assertTrue(written.containsKey(k), command + " records no " + k + ": " + written.keySet());
        assertTrue(p.command().startsWith("./permerge " + command + " "), p.command());
        assertEquals(Version.VERSION, p.version(), command);
        assertNotNull(p.started(), command);
        assertNotNull(p.elapsed(), command);
        assertNotNull(p.threads(), command);
        assertNotNull(p.precision(), command);
        return p;
    }

    private static Map<String, String> json(Path file) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : JsonParser.parseString(Files.readString(file)).getAsJsonObject().entrySet()) {
            m.put(e.getKey(), e.getValue().getAsString());
        }
        return m;
    }

    private static Map<String, String> checkpoint(Path dir) throws Exception {
        Map<String, String> file = json(dir.resolve(Provenance.FILE));
        Map<String, String> meta = new LinkedHashMap<>(SafeTensors.read(dir.resolve("model.safetensors")).metadata());
        meta.remove("format");
        assertEquals(file, meta, dir + ": the weights' metadata and " + Provenance.FILE + " agree");
        return file;
    }

    @Test
    void permuteForwardStatsStatsMergeAndMergeWriteTheOneRecord() throws Exception {
        Path model = Fixtures.hubert("hubert-tiny-base");
        String hashA = ModelHash.ofInference(EncoderCheckpoint.load(model).weights());
        // A model is recorded as the weights file it resolved to (a hub id's snapshot); the command line keeps what was typed.
        String fileA = EncoderCheckpoint.load(model).source();

        Path permuted = tmp.resolve("permuted");
        ok("permute", "--model", model.toString(), "--seed", "5", "--spaces", "ffn", "--out", permuted.toString());
        Provenance p = check("permute", checkpoint(permuted));
        assertEquals(new Provenance.Model(fileA, hashA), p.models().get("source"));
        assertEquals(5L, p.seeds().get("permute"));
        assertEquals("F32", p.precision());
        assertTrue(p.command().contains("--seed 5"), p.command());
        String hashB = ModelHash.ofInference(EncoderCheckpoint.load(permuted).weights());
        String fileB = EncoderCheckpoint.load(permuted).source();

        Path input = tmp.resolve("input.safetensors");
        float[] x = new float[2 * 3000];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        SafeTensors.write(input, new StateDict().put("input_values", Tensor.ofFloats(new long[] {2, 3000}, x)));
        Path fw = tmp.resolve("fw.safetensors");
        ok("forward", "--model", model.toString(), "--input", input.toString(), "--output", fw.toString());
        p = check("forward", SafeTensors.read(fw).metadata());
        assertEquals(hashA, p.models().get("source").sha256());
        assertEquals(new Provenance.DataFile(input.toAbsolutePath().normalize().toString(), Manifest.sha256(input)), p.data().get("input"));

        Path cal = CliRun.calibration(tmp, 3, 2400, 3300, 2800, 3100);
        String calibration = cal.toAbsolutePath().normalize().toString();
        Path[] parts = {tmp.resolve("s0.safetensors"), tmp.resolve("s1.safetensors")};
        for (int k = 0; k < 2; k++) {
            ok("stats", "--a", model.toString(), "--b", permuted.toString(), "--calibration", cal.toString(), "--shard", k + "/2",
                    "--out", parts[k].toString());
            p = check("stats", AlignmentStatistics.load(parts[k]).provenance());
            assertEquals(new Provenance.Model(fileA, hashA), p.models().get("A"));
            assertEquals(new Provenance.Model(fileB, hashB), p.models().get("B"));
            assertEquals(new Provenance.DataFile(calibration, Manifest.sha256(cal)), p.data().get("calibration"));
            assertEquals("float64", p.precision());
            assertEquals(k + "/2", p.step("calibration").get("shards"));
        }
        Path sum = tmp.resolve("sum.safetensors");
        ok("stats-merge", parts[0].toString(), parts[1].toString(), "--out", sum.toString());
        p = check("stats-merge", AlignmentStatistics.load(sum).provenance());
        assertEquals(Manifest.sha256(parts[1]), p.data().get("part2").sha256());
        assertEquals(new Provenance.DataFile(calibration, Manifest.sha256(cal)), p.data().get("calibration"));
        assertEquals(hashB, p.models().get("B").sha256());

        Path merged = tmp.resolve("merged");
        ok("merge", "--a", model.toString(), "--b", permuted.toString(), "--stats", sum.toString(), "--recipe", "cnn+ff",
                "--lambda", "0.5", "--out", merged.toString());
        p = check("merge", checkpoint(merged));
        assertEquals(new Provenance.Model(fileA, hashA), p.models().get("A"));
        assertEquals(new Provenance.Model(fileB, hashB), p.models().get("B"));
        assertEquals(new Provenance.DataFile(calibration, Manifest.sha256(cal)), p.data().get("calibration"),
                "the statistics file's calibration manifest, under the same keys");
        assertEquals("cnn+ff", p.step("merge").get("recipe"));
        assertTrue(p.step("statistics").get("command").startsWith("./permerge stats-merge "), p.step("statistics").toString());
    }

    @Test
    void corpusCalibrationAndPretrainWriteTheOneRecord() throws Exception {
        Path corpus = tmp.resolve("corpus");
        ok("corpus", "--domain", "speech", "--clips", "24", "--calibration", "2", "--threads", "2", "--seed", "6", "--out", corpus.toString());
        Provenance p = check("corpus", json(corpus.resolve(Provenance.FILE)));
        Path manifest = corpus.resolve("manifest.jsonl");
        assertEquals(Manifest.sha256(manifest), p.data().get("corpus").sha256());
        assertEquals(6L, p.seeds().get("corpus"));
        assertEquals(2, p.threads());

        Path drawn = tmp.resolve("draw");
        ok("calibration", "--from", corpus.resolve("clips").toString(), "--glob", "*.wav", "--clips", "3", "--max-seconds", "1",
                "--seed", "4", "--out", drawn.toString());
        p = check("calibration", json(drawn.resolve(Provenance.FILE)));
        assertEquals(Manifest.sha256(drawn.resolve("manifest.jsonl")), p.data().get("calibration").sha256());
        assertEquals(corpus.resolve("clips").toAbsolutePath().normalize().toString(), p.data().get("source").path());
        assertEquals(4L, p.seeds().get("draw"));

        Path trained = tmp.resolve("trained");
        ok("pretrain", "--domain", "speech", "--corpus", manifest.toString(), "--steps", "2", "--batch", "2", "--max-clips", "12",
                "--seed", "3", "--out", trained.toString());
        p = check("pretrain", checkpoint(trained));
        assertEquals(Manifest.sha256(manifest), p.data().get("corpus").sha256());
        assertEquals(3L, p.seeds().get("pretrain"));
        assertEquals(3L, p.seeds().get("init"));
        assertEquals("2", p.step("pretrain").get("steps_run"));
        assertEquals(1, p.threads());
        assertEquals(List.of(), p.extras().keySet().stream().toList());
    }
}
