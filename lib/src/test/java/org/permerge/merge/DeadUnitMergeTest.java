package org.permerge.merge;

import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import org.junit.jupiter.api.Test;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.permute.Permutations;
import org.permerge.testing.Fixtures;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Degenerate statistics: silent calibration audio (the CNN never varies) and statistics of no frames at all.
 * Dead units keep their index, so merging a model with itself gives the model back.
 */
class DeadUnitMergeTest {
    private static void assertGivesModelBack(EncoderCheckpoint a, AlignmentStatistics stats) {
        ModelMerge.Result r = ModelMerge.builder().setModelA(a).setModelB(a).setStatistics(stats).setRecipe(MergeRecipe.CNN_ALL)
                .setLambda(Lambda.global(0.5)).build().run();
        for (Alignment.SpaceMatch m : r.alignment().matches()) assertEquals(0.0, m.movedFraction(), m.space() + " moved units");
        Permutations p = r.alignment().permutations();
        for (String space : p.spaces()) {
            int[] perm = p.get(space);
            assertArrayEquals(Permutations.identity(perm.length), perm, space);
        }
        for (String n : a.weights().names()) {
            float[] want = a.weights().get(n).toFloatArray();
            float[] got = r.merged().weights().get(n).toFloatArray();
            for (int k = 0; k < want.length; k++) assertEquals(want[k], got[k], 1e-6 * (1 + Math.abs(want[k])), n + "[" + k + "]");
        }
    }

    @Test
    void aModelMergedWithItselfOverSilentAudioIsTheModel() {
        EncoderCheckpoint a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        List<float[]> silence = List.of(new float[6000], new float[4800]);
        AlignmentStatistics stats = Calibration.collect(a, a, silence, 16000, Calibration.Options.defaults()).statistics();
        assertTrue(stats.correlation("cnn.0").deadUnitsA().length > 0, "silence leaves CNN units dead");
        assertGivesModelBack(a, stats);
        ModelMerge.Result r = ModelMerge.builder().setModelA(a).setModelB(a).setStatistics(stats).setRecipe(MergeRecipe.CNN_ALL)
                .setLambda(Lambda.global(0.5)).build().run();
        assertTrue(r.alignment().deadUnits().containsKey("cnn.0"), "the dead units are reported for the warning");
    }

    @Test
    void statisticsOfNoFramesLeaveEveryUnitInPlace() {
        EncoderCheckpoint a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        AlignmentStatistics none = AlignmentStatistics.builder().setConfigA(a.config()).setConfigB(a.config()).build();
        assertGivesModelBack(a, none);
    }
}
