package org.permerge.spark;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.cli.Main;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.StatisticsEngine;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import org.permerge.model.EncoderCheckpoint;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Spark engine against the single-process path on the ci preset's pair (the committed mini encoders) and a
 * handful of synthetic clips: statistics equal to 1e-9 relative, the same assignment in every space, the same
 * merged weights bit for bit; and a task that fails once is retried without its clips counting twice.
 */
class SparkStatisticsEngineTest {
    @TempDir
    static Path tmp;

    static Path manifest;
    static String modelA;
    static String modelB;
    static Path single;

    @BeforeAll
    static void singleProcessStatistics() {
        modelA = SyntheticClips.model("speech");
        modelB = SyntheticClips.model("music");
        // Lengths differ so that one process and two partitions batch the clips differently.
        manifest = SyntheticClips.manifest(tmp, "calibration.jsonl", new int[] {8000, 11200, 5600, 9600, 12800, 7200}, 13);
        single = tmp.resolve("single.safetensors");
        assertEquals(0, run("stats", "--a", modelA, "--b", modelB, "--calibration", manifest.toString(), "--out", single.toString(),
                "--max-batch-seconds", "0.1"));
    }

    private static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    /** |x − y| ≤ 1e-9 · the array's largest magnitude, element by element. */
    private static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double v : expected) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > 1e-9 * scale) {
                fail(what + "[" + i + "]: " + expected[i] + " vs " + actual[i] + " (scale " + scale + ")");
            }
        }
    }

    /** Every tensor of two statistics files (means, co-moments, counts of every space and pre-activation) alike. */
    private static void assertSameStatistics(Path expected, Path actual) {
        StateDict e = SafeTensors.read(expected);
        StateDict a = SafeTensors.read(actual);
        assertEquals(e.names(), a.names());
        assertTrue(e.size() > 20, "a file of every space: " + e.names());
        for (String name : e.names()) assertClose(e.get(name).toDoubleArray(), a.get(name).toDoubleArray(), name);
    }

    @Test
    void sparkLocal2EqualsOneProcessAndItsMergeHasTheSameWeights() {
        Path spark = tmp.resolve("spark.safetensors");
        assertEquals(0, run("stats", "--engine", "spark", "--master", "local[2]", "--a", modelA, "--b", modelB,
                "--calibration", manifest.toString(), "--out", spark.toString(), "--max-batch-seconds", "0.1"));
        assertSameStatistics(single, spark);
        AlignmentStatistics one = AlignmentStatistics.load(single);
        AlignmentStatistics two = AlignmentStatistics.load(spark);

        StatisticsProvenance p = two.origin();
        assertEquals(List.of(new StatisticsProvenance.Shard(0, 2), new StatisticsProvenance.Shard(1, 2)), p.shards());
        assertEquals(6, p.clips());
        assertEquals(2, p.parts());
        assertEquals(one.origin().modelASha256(), p.modelASha256());
        assertEquals(one.origin().modelBSha256(), p.modelBSha256());
        assertEquals(one.origin().manifestSha256(), p.manifestSha256());

        Alignment a1 = Alignment.solve(one, MergeRecipe.CNN_ALL);
        Alignment a2 = Alignment.solve(two, MergeRecipe.CNN_ALL);
        assertEquals(a1.permutations().spaces(), a2.permutations().spaces());
        assertFalse(a1.permutations().spaces().isEmpty());
        for (String space : a1.permutations().spaces()) {
            assertArrayEquals(a1.permutations().get(space), a2.permutations().get(space), "assignment of " + space);
        }

        Path m1 = tmp.resolve("merged-single");
        Path m2 = tmp.resolve("merged-spark");
        for (Path[] io : new Path[][] {{single, m1}, {spark, m2}}) {
            assertEquals(0, run("merge", "--a", modelA, "--b", modelB, "--stats", io[0].toString(), "--recipe", "cnn+all",
                    "--lambda", "0.5", "--out", io[1].toString()));
        }
        StateDict w1 = EncoderCheckpoint.load(m1).weights();
        StateDict w2 = EncoderCheckpoint.load(m2).weights();
        assertEquals(w1.names(), w2.names());
        for (String name : w1.names()) {
            assertEquals(w1.get(name).bytes(), w2.get(name).bytes(), "merged tensor " + name);
        }
    }

    @Test
    void untilStableOnSparkRunsTheSameRoundsAsOneProcess() throws Exception {
        // 6 clips from 1: rounds of 2, 3 and 6 clips (shards 0/4, 2/4, 1/2), each round one Spark job in two parts.
        Path one = tmp.resolve("adaptive-single.safetensors");
        Path two = tmp.resolve("adaptive-spark.safetensors");
        List<String> common = List.of("--a", modelA, "--b", modelB, "--calibration", manifest.toString(), "--until-stable",
                "--first-clips", "1", "--report-agreement", "--max-batch-seconds", "0.1");
        List<String> single = new ArrayList<>(List.of("stats", "--out", one.toString()));
        single.addAll(common);
        List<String> spark = new ArrayList<>(List.of("stats", "--engine", "spark", "--master", "local[2]", "--partitions", "2",
                "--out", two.toString()));
        spark.addAll(common);
        assertEquals(0, run(single.toArray(String[]::new)));
        assertEquals(0, run(spark.toArray(String[]::new)));
        assertSameStatistics(one, two);
        StatisticsProvenance p1 = AlignmentStatistics.load(one).origin();
        StatisticsProvenance p2 = AlignmentStatistics.load(two).origin();
        assertEquals(p1.clips(), p2.clips());
        // Spark's parts are shards of each round's shard, every one distinct.
        assertEquals(new java.util.HashSet<>(p2.shards()).size(), p2.shards().size());
        assertTrue(p2.shards().size() > p1.shards().size(), p2.shards() + " vs " + p1.shards());
        // The same rounds, changes, kept round and agreement: the reports are the same bytes.
        for (String report : new String[] {".stability.md", ".stability.json"}) {
            assertEquals(java.nio.file.Files.readString(tmp.resolve("adaptive-single.safetensors" + report)),
                    java.nio.file.Files.readString(tmp.resolve("adaptive-spark.safetensors" + report)), report);
        }
    }

    private static StatisticsEngine.Job job(String master) {
        Calibration.Options options = Calibration.Options.defaults().withMaxBatchSeconds(0.1)
                .withProvenance("calibration.manifest", manifest.toString())
                .withProvenance("calibration.split", "all").withProvenance("calibration.split_clips", "6");
        return new StatisticsEngine.Job(modelA, modelB, manifest, null, new StatisticsProvenance.Shard(0, 1), true, options,
                Map.of("master", master, "partitions", "2", "spark.ui.enabled", "false"));
    }

    @Test
    void aTaskThatFailsOnceIsRetriedWithoutCountingItsClipsTwice() {
        // Part 1's first attempt collects its clips, then dies before returning them.
        PartitionFault once = (partition, attempt) -> {
            if (partition == 1 && attempt == 0) throw new IllegalStateException("injected executor failure");
        };
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Calibration.Collected c = new SparkStatisticsEngine(new PrintStream(log, true, StandardCharsets.UTF_8))
                .collect(job("local[2,2]"), once);
        String progress = log.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("part 1 attempt 0 failed") && progress.contains("injected executor failure"), progress);
        assertTrue(progress.contains("2 of 2 parts, 6 of 6 clips"), progress);
        assertEquals(6, c.summary().clips());
        assertEquals(6, c.statistics().origin().clips());
        Path retried = tmp.resolve("retried.safetensors");
        c.statistics().save(retried);
        assertSameStatistics(single, retried);

        // Plain local mode never retries: the same fault fails the job, so the retry above is Spark's doing.
        Exception e = assertThrows(Exception.class, () -> new SparkStatisticsEngine(new PrintStream(new ByteArrayOutputStream()))
                .collect(job("local[2]"), once));
        assertTrue(String.valueOf(e.getMessage()).contains("injected executor failure"), e.toString());
    }

    @Test
    void partsAreShardsOfTheJobsShard() {
        // Shard 1/3 of the split divided 2 ways: clips 1, 7, 13, ... and 4, 10, 16, ...
        assertEquals(new StatisticsProvenance.Shard(1, 6), PartitionTask.shardOf(new StatisticsProvenance.Shard(1, 3), 2, 0));
        assertEquals(new StatisticsProvenance.Shard(4, 6), PartitionTask.shardOf(new StatisticsProvenance.Shard(1, 3), 2, 1));
        Manifest m = Manifest.read(manifest);
        assertEquals(List.of("clip1", "clip4"), PartitionTask.clipsOf(m, new StatisticsProvenance.Shard(1, 3)).clips().stream()
                .map(Manifest.Clip::id).toList());
        assertEquals(List.of("clip1"), PartitionTask.clipsOf(m, new StatisticsProvenance.Shard(1, 6)).clips().stream()
                .map(Manifest.Clip::id).toList());
    }

    @Test
    void modelsOnOtherFileSystemsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkStatisticsEngine.visibleToExecutors("hdfs://nn/models/a", "--a"));
        assertTrue(e.getMessage().contains("--a hdfs://nn/models/a") && e.getMessage().contains("mount hdfs"), e.getMessage());
        assertEquals(Path.of(modelA).toAbsolutePath().normalize().toString(),
                SparkStatisticsEngine.visibleToExecutors(Path.of(modelA).toUri().toString(), "--a"));
        assertEquals("facebook/hubert-base-ls960", SparkStatisticsEngine.visibleToExecutors("facebook/hubert-base-ls960", "--b"));
    }
}
