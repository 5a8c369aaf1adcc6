package org.permerge.match;

import org.junit.jupiter.api.Test;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.CalibrationRounds;
import org.permerge.extract.ExtractionSummary;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.EncoderConfig;
import org.permerge.testing.Fixtures;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The stopping rule of adaptive calibration on scripted assignment sequences, against brute force: per space and
 * round the heads (blocks) matched to another head of B, the first round in which every space changed less
 * than the threshold, the clips each space needed and the agreement with the last (full) round.
 */
class AdaptiveCalibrationTest {
    private static final EncoderConfig CONFIG = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")).config();
    /** Space name → block size: a plain space, a head space and a within-head space. */
    private static final Map<String, Integer> BLOCKS = new LinkedHashMap<>();
    private static final Map<String, Integer> SIZES = Map.of("ffn.0", 100, "attn.0", 32, "qk.0", 32);

    static {
        BLOCKS.put("ffn.0", 1);
        BLOCKS.put("attn.0", 8);
        BLOCKS.put("qk.0", 8);
    }

    @Test
    void aHeadCountsAsOneUnitMatchedToAnotherHead() {
        int[] id = identity(32);
        int[] withinSwap = id.clone();
        swap(withinSwap, 9, 10); // inside head 1: the head keeps its partner
        int[] headSwap = headSwap(id, 8, 0, 1);
        AdaptiveCalibration.Assignment a = new AdaptiveCalibration.Assignment(id, 8);
        assertEquals(4, a.units());
        assertEquals(0, AdaptiveCalibration.changedUnits("attn.0", a, new AdaptiveCalibration.Assignment(withinSwap, 8)));
        assertEquals(2, AdaptiveCalibration.changedDimensions("attn.0", a, new AdaptiveCalibration.Assignment(withinSwap, 8)));
        assertEquals(2, AdaptiveCalibration.changedUnits("attn.0", a, new AdaptiveCalibration.Assignment(headSwap, 8)));
        assertEquals(16, AdaptiveCalibration.changedDimensions("attn.0", a, new AdaptiveCalibration.Assignment(headSwap, 8)));
        assertEquals(0, AdaptiveCalibration.changedUnits("attn.0", a, new AdaptiveCalibration.Assignment(id, 8)));
        // Counted as plain units the same swaps are 2 and 16 of 32.
        assertEquals(2, AdaptiveCalibration.changedUnits("x", new AdaptiveCalibration.Assignment(id, 1),
                new AdaptiveCalibration.Assignment(withinSwap, 1)));
        assertEquals(16, AdaptiveCalibration.changedUnits("x", new AdaptiveCalibration.Assignment(id, 1),
                new AdaptiveCalibration.Assignment(headSwap, 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AdaptiveCalibration.changedUnits("attn.3", a, new AdaptiveCalibration.Assignment(id, 1)));
        assertTrue(e.getMessage().contains("attn.3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveCalibration.Assignment(identity(30), 8));
        int[] torn = id.clone();
        swap(torn, 7, 8); // one unit of head 0 into head 1: not a head permutation
        e = assertThrows(IllegalArgumentException.class, () -> new AdaptiveCalibration.Assignment(torn, 8));
        assertTrue(e.getMessage().contains("unit 7"), e.getMessage());
    }

    @Test
    void changesInsideHeadsDoNotKeepTheRoundsGoing() {
        // 32 clips from 1: rounds of 1, 2, 4, 8, 16, 32 clips. Threshold 5 %: counting single units, round 2 (a swap
        // inside a head, 2 of 32 units) would not be stable; counting heads it is.
        List<Map<String, int[]>> script = new ArrayList<>();
        Map<String, int[]> r = start();
        script.add(copy(r));
        swaps(r.get("ffn.0"), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9); // 10 % of ffn
        r.put("attn.0", headSwap(r.get("attn.0"), 8, 0, 1));  // 2 of 4 heads
        script.add(copy(r));
        swaps(r.get("ffn.0"), 20, 21);                        // 2 % of ffn
        swap(r.get("attn.0"), 9, 10);                         // inside head 1
        swap(r.get("qk.0"), 0, 1);                            // inside head 0
        script.add(copy(r));
        r.put("attn.0", headSwap(r.get("attn.0"), 8, 2, 3));  // after the stable round: 2 of 4 heads
        script.add(copy(r));
        script.add(copy(r));
        swaps(r.get("ffn.0"), 60, 61, 62, 63, 64, 65);        // the full calibration moves 6 % of ffn
        script.add(copy(r));

        Run run = run(script, new AdaptiveCalibration.Settings(1, 32, 0.05, true));
        assertEquals(2, run.result.kept());
        assertTrue(run.result.stable());
        assertEquals(4, run.result.clipsUsed());
        assertEquals(1, run.kept);
        // After the kept round attn.0 swaps heads again (stable only from the round after) and ffn.0 moves 6 % in the last.
        assertEquals(Map.of("ffn.0", -1, "attn.0", 16, "qk.0", 2), run.result.clipsNeeded());
        assertEquals(0.94, run.result.agreement().get("ffn.0"), 1e-12);
        assertEquals(0.5, run.result.agreement().get("attn.0"), 1e-12);
        assertEquals(1.0, run.result.agreement().get("qk.0"), 1e-12);
        assertEquals(0.5, run.result.rounds().get(1).changes().get("attn.0").fraction());
        assertEquals(2, run.result.rounds().get(2).changes().get("attn.0").changedDimensions());
        assertBruteForce(script, run, 0.05, 32, true);
        assertTrue(run.result.markdown().contains("| attn.0 | 4 |"), run.result.markdown());
        assertTrue(run.result.json().contains("\"kept_round\": 2"), run.result.json());

        // Without the full calibration the rounds end at the stable one.
        Run shorter = run(script, new AdaptiveCalibration.Settings(1, 32, 0.05, false));
        assertEquals(3, shorter.collected);
        assertFalse(shorter.result.hasAgreement());
    }

    @Test
    void randomSequencesStopWhereBruteForceSays() {
        Random rnd = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            int rounds = 6;
            List<Map<String, int[]>> script = new ArrayList<>();
            Map<String, int[]> r = start();
            for (int k = 0; k < rounds; k++) {
                for (Map.Entry<String, int[]> e : r.entrySet()) {
                    int moves = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(3);
                    int b = BLOCKS.get(e.getKey());
                    int blocks = e.getValue().length / b;
                    for (int m = 0; m < moves; m++) {
                        if (b > 1 && rnd.nextBoolean()) {
                            e.setValue(headSwap(e.getValue(), b, rnd.nextInt(blocks), rnd.nextInt(blocks)));
                        } else {
                            int blockStart = b * rnd.nextInt(blocks);
                            int i = blockStart + rnd.nextInt(b);
                            int j = b == 1 ? rnd.nextInt(e.getValue().length) : blockStart + rnd.nextInt(b);
                            swap(e.getValue(), i, j);
                        }
                    }
                }
                script.add(copy(r));
            }
            double threshold = new double[] {0.01, 0.05, 0.2, 0.3, 0.6}[rnd.nextInt(5)];
            int max = new int[] {1, 4, 16, 32}[rnd.nextInt(4)];
            boolean toFull = rnd.nextBoolean();
            Run run = run(script, new AdaptiveCalibration.Settings(1, max, threshold, toFull));
            assertBruteForce(script, run, threshold, max, toFull);
        }
    }

    /** The kept round, the changes, clips needed and agreement recomputed by brute force from the script. */
    private static void assertBruteForce(List<Map<String, int[]>> script, Run run, double threshold, int max, boolean toFull) {
        int[] clips = {1, 2, 4, 8, 16, 32};
        int lastWithin = 0;
        while (lastWithin + 1 < clips.length && clips[lastWithin + 1] <= max) lastWithin++;
        int kept = -1;
        for (int k = 1; k <= lastWithin && kept < 0; k++) {
            boolean all = true;
            for (String s : BLOCKS.keySet()) all &= blocksDiffering(script.get(k - 1).get(s), script.get(k).get(s), BLOCKS.get(s)) / (double) units(s) < threshold;
            if (all) kept = k;
        }
        boolean stable = kept >= 0;
        if (kept < 0) kept = lastWithin;
        int ran = toFull ? clips.length : kept + 1;
        assertEquals(kept, run.result.kept(), "kept round");
        assertEquals(stable, run.result.stable());
        assertEquals(ran, run.result.rounds().size(), "rounds run");
        assertEquals(ran, run.collected, "rounds collected");
        assertEquals(1, run.kept, "statistics kept once");
        assertEquals(clips[kept], run.result.clipsUsed());
        for (String s : BLOCKS.keySet()) {
            int need = -1;
            for (int k = 1; k < ran; k++) {
                int changed = blocksDiffering(script.get(k - 1).get(s), script.get(k).get(s), BLOCKS.get(s));
                assertEquals(changed, run.result.rounds().get(k).changes().get(s).changed(), s + " round " + k);
                boolean staysBelow = true;
                for (int j = k; j < ran; j++) {
                    staysBelow &= blocksDiffering(script.get(j - 1).get(s), script.get(j).get(s), BLOCKS.get(s)) / (double) units(s) < threshold;
                }
                if (need < 0 && staysBelow) need = clips[k];
            }
            assertEquals(need, run.result.clipsNeeded().get(s), s + " clips needed");
            if (toFull) {
                int off = blocksDiffering(script.get(kept).get(s), script.get(clips.length - 1).get(s), BLOCKS.get(s));
                assertEquals(1 - off / (double) units(s), run.result.agreement().get(s), 1e-12, s + " agreement");
            } else {
                assertFalse(run.result.hasAgreement());
            }
        }
    }

    private static int units(String space) {
        return SIZES.get(space) / BLOCKS.get(space);
    }

    /** Blocks of {@code size} sent to another block: the brute-force count, by the block of B their units land in. */
    private static int blocksDiffering(int[] x, int[] y, int size) {
        int n = 0;
        for (int b = 0; b < x.length; b += size) {
            Set<Integer> bx = new HashSet<>();
            Set<Integer> by = new HashSet<>();
            for (int i = b; i < b + size; i++) {
                bx.add(x[i] / size);
                by.add(y[i] / size);
            }
            assertEquals(1, bx.size());
            if (!bx.equals(by)) n++;
        }
        return n;
    }

    /** Blocks {@code i} and {@code j} of A exchange their partners. */
    private static int[] headSwap(int[] p, int size, int i, int j) {
        int[] q = p.clone();
        for (int k = 0; k < size; k++) {
            q[i * size + k] = p[j * size + k];
            q[j * size + k] = p[i * size + k];
        }
        return q;
    }

    private record Run(AdaptiveCalibration.Result result, int collected, int kept) {}

    /** Runs the rounds over 32 clips with empty statistics, the solver playing the script one round at a time. */
    private static Run run(List<Map<String, int[]>> script, AdaptiveCalibration.Settings settings) {
        AtomicInteger collected = new AtomicInteger();
        AtomicInteger solved = new AtomicInteger();
        AtomicInteger kept = new AtomicInteger();
        AdaptiveCalibration.Result result = AdaptiveCalibration.run(CalibrationRounds.plan(32, settings.firstClips()), settings,
                shard -> {
                    collected.incrementAndGet();
                    return new Calibration.Collected(AlignmentStatistics.builder().setConfigA(CONFIG).setConfigB(CONFIG).build(),
                            new ExtractionSummary(1, 0, 0, 0));
                },
                stats -> {
                    Map<String, AdaptiveCalibration.Assignment> out = new LinkedHashMap<>();
                    for (Map.Entry<String, int[]> e : script.get(solved.getAndIncrement()).entrySet()) {
                        out.put(e.getKey(), new AdaptiveCalibration.Assignment(e.getValue(), BLOCKS.get(e.getKey())));
                    }
                    return out;
                },
                stats -> {
                    kept.incrementAndGet();
                    assertTrue(stats.provenance().get("calibration.until_stable").contains("after round"));
                },
                new PrintStream(new ByteArrayOutputStream()));
        return new Run(result, collected.get(), kept.get());
    }

    private static Map<String, int[]> start() {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (String s : BLOCKS.keySet()) m.put(s, identity(SIZES.get(s)));
        return m;
    }

    private static Map<String, int[]> copy(Map<String, int[]> m) {
        Map<String, int[]> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, v.clone()));
        return c;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    private static void swap(int[] p, int i, int j) {
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
    }

    /** Swaps consecutive pairs: every listed unit gets another partner. */
    private static void swaps(int[] p, int... units) {
        for (int k = 0; k + 1 < units.length; k += 2) swap(p, units[k], units[k + 1]);
    }
}
