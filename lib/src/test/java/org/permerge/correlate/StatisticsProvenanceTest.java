package org.permerge.correlate;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The fixed provenance keys round-trip, and adding runs refuses what would make the sum wrong. */
class StatisticsProvenanceTest {
    private static StatisticsProvenance run(String shard, String hashA, String hashB, String manifestSha) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model.A", "/models/a");
        m.put("model.A.sha256", hashA);
        m.put("model.B", "/models/b");
        m.put("model.B.sha256", hashB);
        m.put("calibration.manifest", "/data/cal.jsonl");
        m.put("calibration.sha256", manifestSha);
        m.put("calibration.split", "all");
        m.put("calibration.split_clips", "10");
        m.put("calibration.shards", shard);
        m.put("calibration.clips", "5");
        m.put("study", "mini");
        return StatisticsProvenance.fromMetadata(m);
    }

    @Test
    void theCoMomentPrecisionIsAFixedKeyThatShardsMustShare() {
        StatisticsProvenance f32 = run("0/2", "aa", "bb", "cc").with(Map.of("statistics.precision", "float32"));
        assertEquals(StatisticsPrecision.FLOAT32, f32.precision());
        assertEquals("float32", f32.toMetadata().get("statistics.precision"));
        assertTrue(StatisticsProvenance.KEYS.contains("statistics.precision"));
        assertEquals(f32, StatisticsProvenance.fromMetadata(f32.toMetadata()));
        StatisticsProvenance f64 = run("1/2", "aa", "bb", "cc").with(Map.of("statistics.precision", "FLOAT64"));
        assertEquals(StatisticsPrecision.FLOAT64, f64.precision());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f32.mergedWith(f64, "s0", "s1"));
        assertTrue(e.getMessage().contains("statistics precision") && e.getMessage().contains("float64"), e.getMessage());
        StatisticsProvenance other = run("1/2", "aa", "bb", "cc").with(Map.of("statistics.precision", "float32"));
        assertEquals(StatisticsPrecision.FLOAT32, f32.mergedWith(other, "s0", "s1").precision());
        e = assertThrows(IllegalArgumentException.class,
                () -> StatisticsProvenance.fromMetadata(Map.of("statistics.precision", "float16")));
        assertTrue(e.getMessage().contains("float16") && e.getMessage().contains("float32 or float64"), e.getMessage());
    }

    @Test
    void everyFixedKeyIsWrittenAndReadBack() {
        StatisticsProvenance p = run("1/2", "aa", "bb", "cc");
        Map<String, String> meta = p.toMetadata();
        assertTrue(meta.keySet().containsAll(StatisticsProvenance.KEYS), meta.toString());
        assertEquals(p, StatisticsProvenance.fromMetadata(meta));
        assertEquals("aa", p.modelASha256());
        assertEquals(new StatisticsProvenance.Shard(1, 2), p.shards().get(0));
        assertEquals("mini", p.extras().get("study"));
        StatisticsProvenance empty = StatisticsProvenance.empty();
        assertNull(empty.modelASha256());
        assertEquals(StatisticsProvenance.UNKNOWN, empty.toMetadata().get("model.A.sha256"));
        assertEquals(empty, StatisticsProvenance.fromMetadata(empty.toMetadata()));
    }

    @Test
    void shardOverlapAgreesWithTheClipSets() {
        for (int clips : new int[] {1, 5, 12, 30}) {
            for (int n = 1; n <= 6; n++) {
                for (int i = 0; i < n; i++) {
                    for (int m = 1; m <= 6; m++) {
                        for (int j = 0; j < m; j++) {
                            Set<Integer> x = new HashSet<>();
                            for (int k = i; k < clips; k += n) x.add(k);
                            int first = -1;
                            for (int k = j; k < clips; k += m) {
                                if (x.contains(k) && (first < 0 || k < first)) first = k;
                            }
                            var s = new StatisticsProvenance.Shard(i, n);
                            var t = new StatisticsProvenance.Shard(j, m);
                            assertEquals(first, s.firstSharedClip(t, clips), s + " vs " + t + " over " + clips);
                            // Over an unknown, long enough split they share clips exactly when i ≡ j mod gcd(n, m).
                            boolean longShare = s.firstSharedClip(t, n * m) >= 0;
                            assertEquals(longShare, s.firstSharedClip(t, -1) >= 0, s + " vs " + t);
                        }
                    }
                }
            }
        }
    }

    @Test
    void forgedHugeShardSizesAreSolvedNotWalked() {
        var all = new StatisticsProvenance.Shard(0, 1);
        var last = new StatisticsProvenance.Shard(1_999_999_998, 1_999_999_999);
        assertEquals(1_999_999_998, all.firstSharedClip(last, Integer.MAX_VALUE));
        assertEquals(-1, all.firstSharedClip(last, 1_000));
        var a = new StatisticsProvenance.Shard(1, 2_000_000_000);
        var b = new StatisticsProvenance.Shard(2, 1_999_999_999);
        // k ≡ 1 (mod 2·10⁹) and k ≡ 2 (mod 2·10⁹ − 1): the least such k is 2·10⁹ + 1.
        assertEquals(2_000_000_001, a.firstSharedClip(b, Integer.MAX_VALUE));
        assertEquals(-1, a.firstSharedClip(b, 2_000_000_001));
        assertTrue(a.firstSharedClip(b, -1) >= 0, "over an unbounded split they do meet");
    }

    @Test
    void addingRunsRefusesOtherWeightsOtherManifestsAndSharedClipsNamingBoth() {
        StatisticsProvenance p0 = run("0/2", "aa", "bb", "cc");
        StatisticsProvenance p1 = run("1/2", "aa", "bb", "cc");
        StatisticsProvenance sum = p0.mergedWith(p1, "x.st", "y.st");
        assertEquals("0/2,1/2", sum.toMetadata().get("calibration.shards"));
        assertEquals(10, sum.clips());
        assertEquals(2, sum.parts());
        assertEquals("aa", sum.modelASha256());

        var e = assertThrows(IllegalArgumentException.class, () -> p0.mergedWith(run("0/2", "aa", "bb", "cc"), "x.st", "y.st"));
        assertTrue(e.getMessage().contains("x.st and y.st") && e.getMessage().contains("shard 0/2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sum.mergedWith(run("1/4", "aa", "bb", "cc"), "sum.st", "z.st"));
        assertTrue(e.getMessage().contains("overlap") && e.getMessage().contains("clip 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p0.mergedWith(run("1/2", "aa", "dd", "cc"), "x.st", "y.st"));
        assertTrue(e.getMessage().contains("model B's weights") && e.getMessage().contains("bb") && e.getMessage().contains("dd"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p0.mergedWith(run("1/2", "aa", "bb", "other"), "x.st", "y.st"));
        assertTrue(e.getMessage().contains("calibration manifest"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p0.mergedWith(StatisticsProvenance.empty(), "x.st", "y.st"));
        assertTrue(e.getMessage().contains("only x.st records"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StatisticsProvenance.empty().requireMergeable("old.st"));
        assertTrue(e.getMessage().startsWith("old.st records no model.A.sha256"), e.getMessage());
        p0.requireMergeable("x.st");
        // Statistics built in memory with nothing recorded add up as before.
        assertEquals(2, StatisticsProvenance.empty().mergedWith(StatisticsProvenance.empty(), "x", "y").parts());
    }
}
