package org.permerge.merge;

import org.permerge.match.MergeRecipe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.permerge.correlate.TapStatistics;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.permute.PlantedPair;
import org.permerge.testing.Fixtures;

class SimilaritySweepTest {

    @Test
    void endpointsOfTheSweepAreTheParentsAndAlignmentUndoesAPlant() {
        var a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        var pair = PlantedPair.of(a, 41, 0.0);
        List<float[]> clips = PlantedPair.calibrationClips(3, 0.5, 16000, 41);
        var sweep = SimilaritySweep.of(a, pair.b(), pair.statistics(clips, 16000), clips, 16000);
        double[] lambdas = {0, 0.5, 1};
        var curves = sweep.curves(SimilaritySweep.STANDARD_CURVES.subList(0, 2), lambdas);
        double[] linear = curves.get("linear (identity)");
        double[] permuted = curves.get("permutation (cnn+all)");
        // λ = 1 is A itself; λ = 0 of plain interpolation is B, compared with A independently here
        assertEquals(1.0, linear[2], 1e-9);
        double bToA = TapStatistics.round(OutputSimilarity.meanCosine(OutputSimilarity.lastHiddenState(pair.b(), clips),
                OutputSimilarity.lastHiddenState(a, clips)));
        assertEquals(bToA, linear[0], 1e-9);
        // B is A with permuted units: aligned, every merge computes what A computes; unaligned, it does not
        for (double y : permuted) assertEquals(1.0, y, 1e-3);
        assertTrue(linear[1] < 0.99, "plain interpolation of a permuted copy should lose A's output, got " + linear[1]);
        assertEquals(3, SimilaritySweep.curveTable("curves", lambdas, curves).columnCount());

        var rows = sweep.recipes(List.of(MergeRecipe.IDENTITY, MergeRecipe.CNN_ALL), 0.0);
        assertEquals(0, rows.get(0).spacesPermuted());
        assertEquals(1.0, rows.get(0).cosineToB(), 1e-9);
        assertEquals(bToA, rows.get(0).cosineToA(), 1e-9);
        assertTrue(rows.get(1).spacesPermuted() > 0);
        assertEquals(1.0, rows.get(1).meanMatchedCorrelation(), 1e-3);
        assertEquals(2, SimilaritySweep.recipeTable("ablation", rows).rowCount());
    }

    @Test
    void refusesAnEmptySweep() {
        var a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        var pair = PlantedPair.of(a, 1, 0.0);
        List<float[]> clips = PlantedPair.calibrationClips(1, 0.25, 16000, 1);
        var stats = pair.statistics(clips, 16000);
        assertThrows(IllegalArgumentException.class, () -> SimilaritySweep.of(a, pair.b(), stats, List.of(), 16000));
        var sweep = SimilaritySweep.of(a, pair.b(), stats, clips, 16000);
        var e = assertThrows(IllegalArgumentException.class, () -> sweep.curves(SimilaritySweep.STANDARD_CURVES, new double[0]));
        assertTrue(e.getMessage().contains("λ"), e.getMessage());
    }
}
