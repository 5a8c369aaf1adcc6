package org.permerge.merge;

import org.permerge.testing.PairedTaps;
import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.UnitStatistics;
import org.permerge.model.EncoderConfig;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;
import org.permerge.permute.RandomWeights;
import org.permerge.testing.Fixtures;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** REPAIR moves the merged units' measured statistics toward the interpolated endpoint statistics. */
class RepairTest {
    static EncoderConfig c;
    static StateDict a, b;
    static List<float[]> clips;
    static AlignmentStatistics stats;
    static Alignment alignment;
    static final Lambda HALF = Lambda.global(0.5);

    @BeforeAll
    static void setUp() {
        c = EncoderConfig.read(Fixtures.hubert("hubert-tiny-base").resolve("config.json"));
        a = SafeTensors.read(Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors"));
        b = RandomWeights.create(c, 3); // an independently initialised model: interpolation loses variance
        clips = PairedTaps.noise(4, 16000, 9);
        stats = AlignmentStatistics.builder().setConfigA(c).setConfigB(c).build();
        PairedTaps.feed(stats, c, a, b, clips);
        alignment = Alignment.solve(stats, MergeRecipe.CNN_FF_ATTN);
    }

    /** Mean over units of |σ − σ_goal| / σ_goal (or |μ − μ_goal| / σ_goal) of the merged model, per site. */
    private static double[] gaps(StateDict merged, boolean means) {
        List<Repair.Site> sites = Repair.sites(c);
        Map<String, UnitStatistics> now = Repair.measure(c, merged, sites, CalibrationAudio.of(clips, 16000), Preprocessor.DEFAULT);
        double[] out = new double[sites.size()];
        PermutationSpec spec = PermutationSpec.hubert(c);
        for (int s = 0; s < sites.size(); s++) {
            Repair.Site site = sites.get(s);
            UnitStatistics ua = stats.preActivationUnits(site.space(), true), ub = stats.preActivationUnits(site.space(), false);
            int[] match = alignment.permutations().effective(spec.space(site.space()));
            double[][] g = Repair.goal(0.5, ua.mean(), ua.std(), ub.mean(), ub.std(), match);
            UnitStatistics m = now.get(site.tap());
            double sum = 0;
            for (int i = 0; i < g[0].length; i++) {
                sum += Math.abs((means ? m.mean()[i] - g[0][i] : m.std()[i] - g[1][i]) / g[1][i]);
            }
            out[s] = sum / g[0].length;
        }
        return out;
    }

    private static StateDict merge() {
        return Interpolation.interpolate(PermutationSpec.hubert(c), a, b, alignment.permutations(), HALF);
    }

    @Test
    void measuredRepairMovesEveryRepairedSpaceTowardItsGoal() {
        StateDict merged = merge();
        double[] before = gaps(merged, false);
        List<Repair.SpaceRepair> report = Repair.measured(merged, stats, alignment.permutations(), HALF, CalibrationAudio.of(clips, 16000), Preprocessor.DEFAULT);
        assertEquals(2 * c.numHiddenLayers(), report.size());
        double[] after = gaps(merged, false);
        double[] meanAfter = gaps(merged, true);
        for (int s = 0; s < before.length; s++) {
            assertTrue(after[s] < before[s], "site " + s + ": std gap " + before[s] + " -> " + after[s]);
        }
        // Layer 0's values (site 1) see inputs no other repair changes, so one pass corrects them exactly.
        assertTrue(after[1] < 1e-3, "attn.0 std gap after " + after[1]);
        assertTrue(meanAfter[1] < 1e-3, "attn.0 mean gap after " + meanAfter[1]);
        double b0 = 0, a0 = 0;
        for (int s = 0; s < before.length; s++) {
            b0 += before[s];
            a0 += after[s];
        }
        assertTrue(b0 / before.length > 0.1, "interpolation should lose variance here: gap " + b0 / before.length);
        assertTrue(a0 < 0.5 * b0, "mean std gap " + b0 / before.length + " -> " + a0 / before.length);
    }

    @Test
    void closedFormRepairIsExactWhereItsAssumptionHolds() {
        // B equals A except for one producer, so that unit's input is the same in A, B and the merge: the closed form
        // then predicts the merged std exactly and REPAIR lands on the goal.
        StateDict rnd = RandomWeights.create(c, 17);
        for (Repair.Site site : List.of(Repair.sites(c).get(0), Repair.sites(c).get(1))) {
            StateDict b1 = new StateDict(a.tensors());
            b1.put(site.weight(), rnd.get(site.weight())).put(site.bias(), rnd.get(site.bias()));
            AlignmentStatistics s1 = AlignmentStatistics.builder().setConfigA(c).setConfigB(c).build();
            PairedTaps.feed(s1, c, a, b1, clips);
            StateDict merged = Interpolation.interpolate(PermutationSpec.hubert(c), a, b1, Permutations.identity(), HALF);
            double before = gapAt(merged, s1, site);
            Repair.closedForm(merged, s1, Permutations.identity(), HALF);
            double after = gapAt(merged, s1, site);
            assertTrue(before > 0.05, site.space() + ": interpolation should lose variance, gap " + before);
            assertTrue(after < 1e-3, site.space() + ": closed-form REPAIR gap " + before + " -> " + after);
        }
    }

    private static double gapAt(StateDict merged, AlignmentStatistics s1, Repair.Site site) {
        UnitStatistics m = Repair.measure(c, merged, List.of(site), CalibrationAudio.of(clips, 16000), Preprocessor.DEFAULT).get(site.tap());
        UnitStatistics ua = s1.preActivationUnits(site.space(), true), ub = s1.preActivationUnits(site.space(), false);
        double[][] g = Repair.goal(0.5, ua.mean(), ua.std(), ub.mean(), ub.std(), Permutations.identity(ua.units()));
        double sum = 0;
        for (int i = 0; i < g[1].length; i++) sum += Math.abs(m.std()[i] - g[1][i]) / g[1][i];
        return sum / g[1].length;
    }

    @Test
    void closedFormStdMatchesTheVarianceOfAMixture() {
        // Var(λx + (1−λ)y) for ρ = 1, 0, −1 by hand.
        assertEquals(0.5 * 2 + 0.5 * 4, Repair.closedFormStd(0.5, 2, 4, 1), 1e-12);
        assertEquals(Math.sqrt(0.25 * 4 + 0.25 * 16), Repair.closedFormStd(0.5, 2, 4, 0), 1e-12);
        assertEquals(1.0, Repair.closedFormStd(0.5, 2, 4, -1), 1e-12);
        assertEquals(2.0, Repair.closedFormStd(1, 2, 4, 0.3), 1e-12);
    }

    @Test
    void repairIsReportedNotApplicableWhereItCannotBeFolded() {
        List<Repair.SpaceRepair> na = Repair.notApplicable(c);
        assertTrue(na.stream().anyMatch(r -> r.space().equals("cnn.0") && r.note().contains("GroupNorm")));
        assertTrue(na.stream().anyMatch(r -> r.space().equals("cnn.3") && r.note().contains("no bias")));
        assertTrue(na.stream().anyMatch(r -> r.space().equals("residual") && r.note().contains("LayerNorm")));
        assertTrue(na.stream().noneMatch(r -> r.space().startsWith("ffn.") || r.space().startsWith("attn.")));
        assertEquals(Repair.Mode.MEASURED, Repair.Mode.parse("measured"));
        assertThrows(IllegalArgumentException.class, () -> Repair.Mode.parse("exact"));
    }

    @Test
    void atLambdaOneMeasuredRepairLeavesModelAAsItIs() {
        StateDict merged = Interpolation.interpolate(PermutationSpec.hubert(c), a, b, alignment.permutations(), Lambda.global(1));
        List<Repair.SpaceRepair> r = Repair.measured(merged, stats, alignment.permutations(), Lambda.global(1), CalibrationAudio.of(clips, 16000), Preprocessor.DEFAULT);
        for (Repair.SpaceRepair s : r) assertEquals(1.0, s.meanScale(), 1e-3, s.space());
        String n = "encoder.layers.1.feed_forward.intermediate_dense.bias";
        float[] x = a.get(n).toFloatArray(), y = merged.get(n).toFloatArray();
        for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-3);
    }
}
