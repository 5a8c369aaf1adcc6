package org.permerge.permute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.StateDict;
import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import org.permerge.testing.Fixtures;

class PlantedPairTest {

    @Test
    void noiseIsScaledToEachTensorAndSeeded() {
        var a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        StateDict noisy = PlantedPair.perturb(a.weights(), 0.1, 7);
        String name = "encoder.layers.0.feed_forward.intermediate_dense.weight";
        float[] w = a.weights().get(name).toFloatArray();
        float[] v = noisy.get(name).toFloatArray();
        double mean = 0, var = 0, diff = 0;
        for (float x : w) mean += x;
        mean /= w.length;
        for (float x : w) var += (x - mean) * (x - mean);
        for (int i = 0; i < w.length; i++) diff += (v[i] - w[i]) * (v[i] - w[i]);
        double ratio = Math.sqrt(diff / w.length) / Math.sqrt(var / w.length);
        assertEquals(0.1, ratio, 0.02, "noise std relative to the tensor's std");
        assertArrayEquals(v, PlantedPair.perturb(a.weights(), 0.1, 7).get(name).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> PlantedPair.of(a, 1, Double.NaN));
    }

    @Test
    void matchingOnPlantedClipsFindsTheInverseOfThePlant() {
        var a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        var pair = PlantedPair.of(a, 41, 0.0);
        List<float[]> clips = PlantedPair.calibrationClips(4, 0.5, 16000, 41);
        assertNotEquals(clips.get(0)[100], clips.get(1)[100]);
        var alignment = Alignment.solve(pair.statistics(clips, 16000), MergeRecipe.CNN_ALL);
        for (Space s : PermutationSpec.hubert(a.config()).spaces().values()) {
            assertArrayEquals(Permutations.inverse(pair.planted().effective(s)),
                    alignment.permutations().effective(s), s.name());
        }
        assertTrue(alignment.match("ffn.0").meanCorrelationAfter() > 0.999);
        var spaces = PermutationSpec.hubert(a.config()).spaces().keySet();
        var recovery = pair.recovery(alignment.permutations(), spaces);
        assertEquals(spaces.size(), recovery.size());
        for (var r : recovery) assertEquals(r.units(), r.recovered(), r.space());
        assertEquals(1.0, PlantedPair.Recovery.mean(recovery));
        assertEquals(spaces.size(), PlantedPair.Recovery.table("planted recovery", recovery).rowCount());
    }

    @Test
    void recoveryOfTheIdentityCountsTheUnitsThePlantLeftInPlace() {
        var a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        var pair = PlantedPair.of(a, 5, 0.0);
        var spec = PermutationSpec.hubert(a.config());
        for (var r : pair.recovery(Permutations.identity(), spec.spaces().keySet())) {
            int[] plant = pair.planted().effective(spec.space(r.space()));
            int fixed = 0;
            for (int i = 0; i < plant.length; i++) if (plant[i] == i) fixed++;
            assertEquals(plant.length, r.units(), r.space());
            assertEquals(fixed, r.recovered(), r.space());
        }
        assertTrue(Double.isNaN(PlantedPair.Recovery.mean(List.of())));
    }
}
