package org.permerge.match;

import org.permerge.testing.PairedTaps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.model.EncoderConfig;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;
import org.permerge.permute.Space;
import org.permerge.testing.Fixtures;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Planted recovery: B is A with known random permutations of every space; correlating B against A and
 * matching must find exactly the permutations that undo the planted ones, for every space.
 */
class PlantedRecoveryTest {
    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void matchingUndoesPlantedPermutationsInEverySpace(String layout) {
        EncoderConfig c = EncoderConfig.read(Fixtures.hubert(layout).resolve("config.json"));
        StateDict a = SafeTensors.read(Fixtures.hubert(layout).resolve("model.safetensors"));
        PermutationSpec spec = PermutationSpec.hubert(c);
        Permutations planted = Permutations.random(c, spec.spaces().keySet(), 41);
        StateDict b = spec.apply(a, planted);

        AlignmentStatistics stats = AlignmentStatistics.builder().setConfigA(c).setConfigB(c).build();
        PairedTaps.feed(stats, c, a, b, PairedTaps.noise(6, 16000, 5));
        Alignment found = Alignment.solve(stats, MergeRecipe.CNN_ALL);

        for (Space s : spec.spaces().values()) {
            int[] plantedEff = planted.effective(s);
            int[] foundEff = found.permutations().effective(s);
            assertArrayEquals(Permutations.inverse(plantedEff), foundEff, s.name());
            Alignment.SpaceMatch m = found.match(s.name());
            assertEquals(1.0, m.meanCorrelationAfter(), 1e-6, s.name());
            assertTrue(m.meanCorrelationBefore() < 0.9, s.name() + " before " + m.meanCorrelationBefore());
            assertTrue(m.movedFraction() >= 0.9, s.name());
        }
        // Undoing: permuting B by what was found gives A back exactly.
        StateDict back = spec.apply(b, found.permutations());
        for (String n : a.names()) assertEquals(a.get(n).bytes(), back.get(n).bytes(), n);
    }
}
