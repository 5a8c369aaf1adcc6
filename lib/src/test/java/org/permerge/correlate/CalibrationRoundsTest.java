package org.permerge.correlate;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** The doubling rounds against brute force over clip indices: disjoint additions that end in every clip. */
class CalibrationRoundsTest {
    private static Set<Integer> indices(StatisticsProvenance.Shard s, int clips) {
        Set<Integer> out = new TreeSet<>();
        for (int k = 0; k < clips; k++) if (k % s.count() == s.index()) out.add(k);
        return out;
    }

    @Test
    void roundsAddDisjointClipsThatDoubleAndEndInEveryClip() {
        for (int clips : new int[] {1, 2, 3, 7, 8, 9, 100, 500, 1000}) {
            for (int first : new int[] {1, 2, 5, 16, 64, 2000}) {
                CalibrationRounds plan = CalibrationRounds.plan(clips, first);
                Set<Integer> held = new HashSet<>();
                for (CalibrationRounds.Round r : plan.rounds()) {
                    Set<Integer> added = indices(r.added(), clips);
                    assertFalse(added.isEmpty(), clips + "/" + first + " round " + r.index() + " adds nothing");
                    for (int k : added) assertTrue(held.add(k), "clip " + k + " measured twice in round " + r.index());
                    assertEquals(indices(r.held(), clips), held, "round " + r.index() + " holds its shard");
                    assertEquals(held.size(), r.clips());
                    assertEquals(added.size(), plan.clipsOf(r.added()));
                    // Every added shard must pass the provenance check against the earlier ones (no shared clip).
                    for (CalibrationRounds.Round e : plan.rounds().subList(0, r.index())) {
                        assertEquals(-1, e.added().firstSharedClip(r.added(), clips));
                    }
                }
                assertEquals(clips, held.size(), "the last round holds every clip");
                assertEquals(new StatisticsProvenance.Shard(0, 1), plan.rounds().get(plan.rounds().size() - 1).held());
                int n = plan.rounds().get(0).added().count();
                assertTrue(Integer.bitCount(n) == 1 && n <= clips);
                // The stride is the largest that still gives the first round its clips.
                assertTrue(plan.rounds().get(0).clips() >= Math.min(first, clips));
                assertTrue(2 * n > clips || indices(new StatisticsProvenance.Shard(0, 2 * n), clips).size() < first);
            }
        }
    }

    @Test
    void theMaximumPicksTheLastRoundWithinIt() {
        CalibrationRounds plan = CalibrationRounds.plan(500, 16);
        assertEquals(java.util.List.of(16, 32, 63, 125, 250, 500), plan.rounds().stream().map(CalibrationRounds.Round::clips).toList());
        assertEquals(4, plan.lastRoundWithin(300));
        assertEquals(5, plan.lastRoundWithin(500));
        assertEquals(0, plan.lastRoundWithin(31));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan.lastRoundWithin(10));
        assertTrue(e.getMessage().contains("16 clips") && e.getMessage().contains("maximum of 10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CalibrationRounds.plan(0, 1));
        assertThrows(IllegalArgumentException.class, () -> CalibrationRounds.plan(10, 0));
    }
}
