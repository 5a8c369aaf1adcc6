package org.permerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Native memory stays scoped: hundreds of forwards leave no arrays behind in any long-lived manager. */
class HubertEncoderMemoryTest {

    @Test
    void repeatedForwardsDoNotAccumulateNativeArrays() {
        Random r = new Random(3);
        try (HubertEncoder enc = HubertEncoderFixtureTest.load("hubert-tiny-base"); NDManager root = NDManager.newBaseManager()) {
            NDManager weights = enc.parameters().values().iterator().next().getManager();
            int weightArrays = weights.getManagedArrays().size();
            int rootArrays = -1;
            // A consumer that derives arrays, as statistics consumers do; they must be freed too.
            TapConsumer deriving = (tap, a, mask) -> a.sum(new int[] {0, 1}).mul(2f);
            for (int i = 0; i < 200; i++) {
                int n1 = 400 + r.nextInt(800);
                int n2 = 400 + r.nextInt(800);
                try (NDManager scope = root.newSubManager()) {
                    EncoderOutput out = enc.forward(scope, List.of(HubertEncoderPaddingTest.noise(r, n1),
                            HubertEncoderPaddingTest.noise(r, n2)), i % 2 == 0 ? deriving : null);
                    NDArray last = out.lastHiddenState();
                    assertTrue(last.getShape().get(0) == 2);
                    // Every intermediate of the blocks is already gone: only inputs, masks and hidden states remain.
                    assertTrue(scope.getManagedArrays().size() < 4 * (enc.config().numHiddenLayers() + 8),
                            "arrays alive in the forward scope: " + scope.getManagedArrays().size());
                }
                if (i == 10) rootArrays = root.getManagedArrays().size();
                if (i > 10) assertEquals(rootArrays, root.getManagedArrays().size(), "root arrays after batch " + i);
                assertEquals(weightArrays, weights.getManagedArrays().size(), "weight-manager arrays after batch " + i);
            }
            assertEquals(0, root.getManagedArrays().size());
        }
    }
}
