package org.permerge.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpaceDiagnosticsTest {

    @Test
    void movedUnitsAndCorrelationBeforeAndAfterMatching() {
        // rows: units of A; columns: units of B. The matching swaps B's two units.
        double[] corr = {0.1, 0.9, 0.8, 0.2};
        SpaceDiagnostics d = SpaceDiagnostics.of("cnn+ff+attn", "ffn.0", corr, 2, 2, new int[] {1, 0});
        assertEquals(1.0, d.moved());
        assertEquals((0.1 + 0.2) / 2, d.corrBefore(), 1e-15);
        assertEquals((0.9 + 0.8) / 2, d.corrAfter(), 1e-15);
        SpaceDiagnostics same = SpaceDiagnostics.of("identity", "ffn.0", corr, 2, 2, new int[] {0, 1});
        assertEquals(0.0, same.moved());
        assertEquals(same.corrBefore(), same.corrAfter());
    }

    @Test
    void aPermutationOfTheWrongSizeIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpaceDiagnostics.of("r", "attn.3", new double[4], 2, 2, new int[] {0, 1, 2}));
        assertTrue(e.getMessage().contains("attn.3"), e.getMessage());
    }

    @Test
    void tableRoundsToTheShownPrecisionAndKeepsTheOrder() {
        var rows = java.util.List.of(new SpaceDiagnostics("cnn+ff", "ffn.0", 0.875, 0.0123456, 0.9876543),
                new SpaceDiagnostics("cnn+ff", "cnn.1", 1.0, -0.25, 0.5));
        var t = SpaceDiagnostics.table("Table II", rows);
        assertEquals("Table II", t.name());
        assertEquals(2, t.rowCount());
        assertEquals("cnn.1", t.stringColumn("space").get(1));
        assertEquals(org.permerge.correlate.TapStatistics.round(0.9876543), t.doubleColumn("corr after").get(0));
        assertEquals(-0.25, t.doubleColumn("corr before").get(1));
    }
}
