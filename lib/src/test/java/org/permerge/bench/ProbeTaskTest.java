package org.permerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;

class ProbeTaskTest {
    private static final TaskSpec K = TaskSpec.classification("k", Domain.SPEECH, "k");

    @Test
    void splitsClassesAndSeededCap(@TempDir Path dir) {
        int[] lengths = new int[30];
        java.util.Arrays.fill(lengths, 1600);
        Manifest m = ProbeFeaturesTest.clips(dir, lengths, 16000);   // splits cycle train/dev/test, labels v0/v1
        ProbeTask all = ProbeTask.of(K, m);
        assertEquals(10, all.train().size());
        assertEquals(10, all.dev().size());
        assertEquals(10, all.test().size());
        assertEquals(List.of("v0", "v1"), all.classes());

        ProbeTask capped = ProbeTask.of(K, m, 4, 9);
        assertEquals(4, capped.train().size());
        assertEquals(4, capped.test().size());
        assertEquals(capped.test(), ProbeTask.of(K, m, 4, 9).test(), "the same seed draws the same clips");
        assertTrue(all.test().containsAll(capped.test()));
        assertEquals(12, ProbeTask.union(List.of(capped, capped)).size());
    }

    @Test
    void perSplitCapsNestTheSmallSetsInsideTheLargeOnes(@TempDir Path dir) {
        int[] lengths = new int[60];
        java.util.Arrays.fill(lengths, 1600);
        Manifest m = ProbeFeaturesTest.clips(dir, lengths, 16000);   // 20 clips per split
        ProbeTask large = ProbeTask.of(K, m, new SplitCaps(12, 5, 0), 9);
        assertEquals(12, large.train().size());
        assertEquals(5, large.dev().size());
        assertEquals(20, large.test().size(), "test uncapped");
        ProbeTask small = ProbeTask.of(K, m, 4, 9);
        assertTrue(large.train().containsAll(small.train()), "the sweep's training clips lie inside the comparison rows'");
        assertTrue(large.dev().containsAll(small.dev()));
        assertTrue(large.test().containsAll(small.test()));
        assertEquals(ProbeTask.of(K, m, 4, 9).clips(), ProbeTask.of(K, m, SplitCaps.each(4), 9).clips());
        assertThrows(IllegalArgumentException.class, () -> new SplitCaps(-1, 0, 0));
    }

    @Test
    void aMissingSplitIsNamed(@TempDir Path dir) {
        Manifest m = ProbeFeaturesTest.clips(dir, new int[] {1600, 1600}, 16000);   // train and dev only
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProbeTask.of(K, m));
        assertTrue(e.getMessage().contains("0 test"), e.getMessage());
    }
}
