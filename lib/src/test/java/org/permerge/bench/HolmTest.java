package org.permerge.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertEquals;

class HolmTest {
    /**
     * By hand: p = (0.01, 0.04, 0.03, 0.005), m = 4. Sorted: 0.005 ×4 = 0.02; 0.01 ×3 = 0.03; 0.03 ×2 = 0.06;
     * 0.04 ×1 = 0.04, raised to 0.06 to stay monotone. Back in the given order: (0.03, 0.06, 0.06, 0.02).
     */
    @Test
    void handComputedExample() {
        assertArrayEquals(new double[] {0.03, 0.06, 0.06, 0.02}, Holm.adjust(new double[] {0.01, 0.04, 0.03, 0.005}), 1e-12);
    }

    @Test
    void capsAtOneSkipsUndefinedTestsAndRefusesNonProbabilities() {
        // m = 2 (the NaN does not count): 0.3 ×2 = 0.6, 0.7 ×1 = 0.7.
        double[] adj = Holm.adjust(new double[] {0.7, Double.NaN, 0.3});
        assertEquals(0.7, adj[0], 1e-12);
        assertEquals(Double.NaN, adj[1]);
        assertEquals(0.6, adj[2], 1e-12);
        assertArrayEquals(new double[] {1.0, 1.0}, Holm.adjust(new double[] {0.6, 0.9}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Holm.adjust(new double[] {1.2}));
    }
}
