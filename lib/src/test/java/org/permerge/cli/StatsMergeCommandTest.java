package org.permerge.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.model.EncoderConfig;
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

class StatsMergeCommandTest {
    @TempDir
    Path tmp;

    private static AlignmentStatistics part(EncoderConfig c, long seed, String clips) {
        return part(c, seed, clips, seed == 1 ? "0/2" : "1/2", "hash-b");
    }

    /** Statistics as `permerge stats` records them: shard {@code shard} of an 8-clip manifest, models hash-a and hashB. */
    private static AlignmentStatistics part(EncoderConfig c, long seed, String clips, String shard, String hashB) {
        AlignmentStatistics s = AlignmentStatistics.builder().setConfigA(c).setConfigB(c)
                .optProvenance(Map.ofEntries(Map.entry("model.A", "a"), Map.entry("model.A.sha256", "hash-a"),
                        Map.entry("model.B", "b"), Map.entry("model.B.sha256", hashB), Map.entry("calibration.manifest", "cal.jsonl"),
                        Map.entry("calibration.sha256", "manifest-sha"), Map.entry("calibration.split", "all"),
                        Map.entry("calibration.split_clips", "8"), Map.entry("calibration.shards", shard),
                        Map.entry("calibration.clips", "4")))
                .optProvenance("calibration", clips).build();
        Random rnd = new Random(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            for (String tap : s.taps()) {
                int d = tap.startsWith("feature_extractor") ? c.convDim()[0] : tap.contains("intermediate") ? c.intermediateSize() : c.hiddenSize();
                double[] a = new double[20 * d];
                double[] b = new double[20 * d];
                for (int k = 0; k < a.length; k++) {
                    a[k] = rnd.nextGaussian();
                    b[k] = a[k] * 0.5 + rnd.nextGaussian();
                }
                s.accept(tap, m.create(a, new Shape(20, d)), m.create(b, new Shape(20, d)));
            }
        }
        return s;
    }

    @Test
    void mergedFileEqualsMergingInMemory() {
        EncoderConfig c = EncoderConfig.read(Fixtures.hubert("hubert-tiny-base").resolve("config.json"));
        AlignmentStatistics p1 = part(c, 1, "part-1");
        AlignmentStatistics p2 = part(c, 2, "part-2");
        p1.save(tmp.resolve("p1.safetensors"));
        p2.save(tmp.resolve("p2.safetensors"));
        Path out = tmp.resolve("merged.safetensors");
        int rc = new CommandLine(new Main()).execute("stats-merge", tmp.resolve("p1.safetensors").toString(),
                tmp.resolve("p2.safetensors").toString(), "--out", out.toString());
        assertEquals(0, rc);
        AlignmentStatistics merged = AlignmentStatistics.load(out);
        p1.merge(p2);
        assertEquals(40, merged.correlation("ffn.1").count());
        assertArrayEquals(p1.correlation("attn.0").comoment(), merged.correlation("attn.0").comoment(), 0.0);
        assertEquals("part-1 | part-2", merged.provenance().get("calibration"));
        assertEquals("2", merged.provenance().get("parts"));
        assertNotEquals(0, new CommandLine(new Main()).execute("stats-merge", tmp.resolve("missing").toString(),
                "--out", out.toString()));
        assertEquals("0/2,1/2", merged.origin().toMetadata().get("calibration.shards"));
        assertEquals(8, merged.origin().clips());
    }

    /** Runs stats-merge expecting a refusal; returns its error text, having checked that nothing was written or changed. */
    private String refused(Path... in) throws Exception {
        Map<Path, byte[]> before = new java.util.HashMap<>();
        for (Path p : in) before.put(p, Files.readAllBytes(p));
        Path out = tmp.resolve("refused.safetensors");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err));
        List<String> args = new ArrayList<>(List.of("stats-merge"));
        for (Path p : in) args.add(p.toString());
        args.addAll(List.of("--out", out.toString()));
        assertNotEquals(0, cli.execute(args.toArray(new String[0])));
        assertFalse(Files.exists(out), "nothing is written when the merge is refused");
        for (Path p : in) assertArrayEquals(before.get(p), Files.readAllBytes(p), "input " + p + " unchanged");
        return err.toString();
    }

    @Test
    void refusesTheSameShardTwiceOverlappingShardsOtherModelsAndOtherLayoutsByName() throws Exception {
        EncoderConfig c = EncoderConfig.read(Fixtures.hubert("hubert-tiny-base").resolve("config.json"));
        Path p0 = tmp.resolve("shard0.safetensors");
        part(c, 1, "x", "0/2", "hash-b").save(p0);
        Path again = tmp.resolve("shard0-again.safetensors");
        part(c, 3, "y", "0/2", "hash-b").save(again);
        String e = refused(p0, again);
        assertTrue(e.contains("shard 0/2") && e.contains("the same clips twice") && e.contains("shard0.safetensors")
                && e.contains("shard0-again.safetensors"), e);
        e = refused(p0, tmp.resolve(".").resolve("shard0.safetensors"));
        assertTrue(e.contains("given twice"), e);

        Path quarter = tmp.resolve("quarter0.safetensors");
        part(c, 4, "z", "0/4", "hash-b").save(quarter);
        e = refused(p0, quarter);
        assertTrue(e.contains("overlap") && e.contains("clip 0") && e.contains("quarter0.safetensors"), e);
        // 1/2 (odd clips) and 0/4 (clips 0 and 4) are disjoint: accepted.
        Path odd = tmp.resolve("odd.safetensors");
        part(c, 5, "w", "1/2", "hash-b").save(odd);
        assertEquals(0, new CommandLine(new Main()).execute("stats-merge", odd.toString(), quarter.toString(), "--out",
                tmp.resolve("ok.safetensors").toString()));

        Path otherB = tmp.resolve("other-b.safetensors");
        part(c, 6, "v", "1/2", "hash-other").save(otherB);
        e = refused(p0, otherB);
        assertTrue(e.contains("model B's weights") && e.contains("hash-b") && e.contains("hash-other"), e);

        EncoderConfig large = EncoderConfig.read(Fixtures.hubert("hubert-tiny-large").resolve("config.json"));
        Path otherLayout = tmp.resolve("other-layout.safetensors");
        part(large, 7, "u", "1/2", "hash-b").save(otherLayout);
        e = refused(p0, otherLayout);
        assertTrue(e.contains("different layouts") && e.contains("other-layout.safetensors"), e);

        Path bare = tmp.resolve("bare.safetensors");
        AlignmentStatistics.builder().setConfigA(c).setConfigB(c).build().save(bare);
        e = refused(p0, bare);
        assertTrue(e.contains("bare.safetensors records no model.A.sha256"), e);
    }
}
