package org.permerge.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.CalibrationRounds;
import org.permerge.match.AdaptiveCalibration;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.permute.PlantedPair;
import org.permerge.testing.CalibrationClips;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code stats --until-stable} on a planted pair (the committed mini speech encoder and a permuted, perturbed copy of
 * it) over eight synthetic clips in rounds of 1, 2, 4 and 8 clips, against one pass per round: every round's merged
 * statistics equal one pass over its clips, and the round kept is the one brute force finds by solving each one-pass statistics and counting the heads,
 * groups and units that changed partner.
 */
class UntilStableTest {
    @TempDir
    static Path tmp;

    static Path manifest;
    static String modelA;
    static String modelB;
    /** Weight noise of the planted B and the stable fraction: chosen so that the rounds settle before the last. */
    static final double NOISE = 0.1;
    static final double THRESHOLD = 0.05;

    private static Path project() {
        String dir = System.getProperty("permerge.project.dir");
        return (dir != null ? Path.of(dir) : Path.of("..")).toAbsolutePath().normalize();
    }

    @BeforeAll
    static void clips() {
        modelA = project().resolve("data-manifests/models/mini-speech").toString();
        // B: A with every space permuted and its weights perturbed, so the assignment wanders at first and then settles.
        Path planted = tmp.resolve("planted-b");
        PlantedPair.of(EncoderCheckpoint.load(modelA), 7, NOISE).b().save(planted, Map.of("planted", "UntilStableTest"));
        modelB = planted.toString();
        Random rnd = new Random(21);
        int[] lengths = {12800, 19200, 9600, 16000, 22400, 11200, 14400, 20800};
        manifest = CalibrationClips.manifest(tmp, lengths, (c, t) -> 0.3 * Math.sin(2 * Math.PI * 110 * Math.pow(1.3, c) * t / 16000)
                * (1 + Math.sin(2 * Math.PI * (2 + c) * t / 16000)) + 0.1 * rnd.nextGaussian(), "UntilStableTest");
    }

    private static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    /** |x − y| ≤ 1e-9 · the tensor's largest magnitude, for every tensor of two statistics files. */
    static void assertSameStatistics(Path expected, Path actual) {
        StateDict e = SafeTensors.read(expected);
        StateDict a = SafeTensors.read(actual);
        assertEquals(e.names(), a.names());
        for (String name : e.names()) {
            double[] x = e.get(name).toDoubleArray();
            double[] y = a.get(name).toDoubleArray();
            double scale = 0;
            for (double v : x) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < x.length; i++) {
                if (Math.abs(x[i] - y[i]) > 1e-9 * scale) fail(name + "[" + i + "]: " + x[i] + " vs " + y[i] + " (scale " + scale + ")");
            }
        }
    }

    /** Heads, groups or units matched to another head, group or unit of B: brute force over the block each lands in. */
    private static int blocksDiffering(AdaptiveCalibration.Assignment x, AdaptiveCalibration.Assignment y) {
        int n = 0;
        int b = x.blockSize();
        int[] px = x.partner();
        int[] py = y.partner();
        for (int k = 0; k < px.length; k += b) {
            java.util.Set<Integer> bx = new java.util.HashSet<>();
            java.util.Set<Integer> by = new java.util.HashSet<>();
            for (int i = k; i < k + b; i++) {
                bx.add(px[i] / b);
                by.add(py[i] / b);
            }
            if (!bx.equals(by)) n++;
        }
        return n;
    }

    @Test
    void roundsEqualOnePassAndStopWhereBruteForceSays() throws Exception {
        double threshold = THRESHOLD;
        EncoderCheckpoint a = EncoderCheckpoint.load(modelA);
        EncoderCheckpoint b = EncoderCheckpoint.load(modelB);
        Manifest m = Manifest.read(manifest);
        Calibration.Options options = Calibration.Options.defaults().withMaxBatchSeconds(0.1)
                .withProvenance("calibration.manifest", manifest.toString());
        CalibrationRounds plan = CalibrationRounds.plan(m.size(), 1);
        assertEquals(List.of(1, 2, 4, 8), plan.rounds().stream().map(CalibrationRounds.Round::clips).toList());

        // Brute force: one pass over each round's clips, solved on its own.
        List<Path> onePass = new ArrayList<>();
        List<Map<String, AdaptiveCalibration.Assignment>> solved = new ArrayList<>();
        for (CalibrationRounds.Round r : plan.rounds()) {
            AlignmentStatistics s = Calibration.collect(a, b, StatsCommand.shardOf(m, 0, r.held().count()), options).statistics();
            Path f = tmp.resolve("one-pass-" + r.index() + ".safetensors");
            s.save(f);
            onePass.add(f);
            solved.add(UntilStable.solve(s));
        }
        int expectedKept = -1;
        for (int k = 1; k < solved.size() && expectedKept < 0; k++) {
            boolean all = true;
            for (String space : solved.get(k).keySet()) {
                AdaptiveCalibration.Assignment now = solved.get(k).get(space);
                all &= blocksDiffering(solved.get(k - 1).get(space), now) / (double) now.units() < threshold;
            }
            if (all) expectedKept = k;
        }
        boolean expectStable = expectedKept >= 0;
        assertTrue(expectStable && expectedKept < plan.rounds().size() - 1, "the planted case settles before the last round");
        if (!expectStable) expectedKept = solved.size() - 1;
        assertTrue(solved.get(0).get("attn.0").blockSize() > 1 && solved.get(0).get("qk.0").blockSize() > 1
                && solved.get(0).get("residual").blockSize() > 1 && solved.get(0).get("ffn.0").blockSize() == 1);

        // The rounds, each merged into the last: every round's statistics as one pass over its clips.
        List<Path> merged = new ArrayList<>();
        AdaptiveCalibration.Result result = AdaptiveCalibration.run(plan, new AdaptiveCalibration.Settings(1, 8, threshold, true),
                UntilStable.inThisProcess(a, b, m, options), stats -> {
                    Path f = tmp.resolve("round-" + merged.size() + ".safetensors");
                    stats.save(f);
                    merged.add(f);
                    return UntilStable.solve(stats);
                }, stats -> { }, new PrintStream(new ByteArrayOutputStream()));
        assertEquals(4, merged.size());
        for (int r = 0; r < merged.size(); r++) assertSameStatistics(onePass.get(r), merged.get(r));
        assertEquals(expectedKept, result.kept());
        assertEquals(expectStable, result.stable());
        for (int k = 1; k < solved.size(); k++) {
            for (String space : solved.get(k).keySet()) {
                assertEquals(blocksDiffering(solved.get(k - 1).get(space), solved.get(k).get(space)),
                        result.rounds().get(k).changes().get(space).changed(), space + " round " + k);
            }
        }
        for (String space : solved.get(0).keySet()) {
            AdaptiveCalibration.Assignment full = solved.get(solved.size() - 1).get(space);
            assertEquals(1 - blocksDiffering(solved.get(expectedKept).get(space), full) / (double) full.units(),
                    result.agreement().get(space), 1e-12, space);
        }

        // The command: the kept round's statistics, its clip count in the provenance, the report beside them.
        Path out = tmp.resolve("adaptive.safetensors");
        assertEquals(0, run("stats", "--a", modelA, "--b", modelB, "--calibration", manifest.toString(), "--out", out.toString(),
                "--until-stable", "--first-clips", "1", "--stable-fraction", Double.toString(threshold), "--report-agreement",
                "--max-batch-seconds", "0.1"));
        assertSameStatistics(onePass.get(expectedKept), out);
        AlignmentStatistics written = AlignmentStatistics.load(out);
        assertEquals(plan.rounds().get(expectedKept).clips(), written.origin().clips());
        assertEquals(expectedKept + 1, written.origin().shards().size());
        assertTrue(written.provenance().get("calibration.until_stable").contains("after round " + expectedKept));
        Path[] reports = UntilStable.reports(out);
        JsonObject json = JsonParser.parseString(Files.readString(reports[1])).getAsJsonObject();
        assertEquals(expectedKept, json.get("kept_round").getAsInt());
        assertEquals(4, json.getAsJsonArray("rounds").size());
        assertEquals(result.agreement().get("ffn.1"),
                json.getAsJsonObject("spaces").getAsJsonObject("ffn.1").get("agreement_with_full").getAsDouble(), 1e-12);
        assertTrue(Files.readString(reports[0]).contains("| residual |"));

        // Without --force the report is not overwritten; an adaptive option alone is refused.
        assertNotEquals(0, run("stats", "--a", modelA, "--b", modelB, "--calibration", manifest.toString(), "--out",
                tmp.resolve("other.safetensors").toString(), "--max-clips", "4"));
        Files.delete(out);
        assertNotEquals(0, run("stats", "--a", modelA, "--b", modelB, "--calibration", manifest.toString(), "--out",
                out.toString(), "--until-stable"));
        assertFalse(Files.exists(out));
    }
}
