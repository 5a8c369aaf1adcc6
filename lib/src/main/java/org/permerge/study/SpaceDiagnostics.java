package org.permerge.study;

import java.util.List;
import org.permerge.correlate.TapStatistics;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * One permutation space of one recipe's matching, for the Table II analogue and the matched-correlation plot.
 *
 * @param recipe      the recipe whose matching this is
 * @param space       space name ({@code cnn.0}, {@code ffn.3}, {@code attn.3}, ...)
 * @param moved       fraction of B's units that moved (perm[i] ≠ i)
 * @param corrBefore  mean correlation of unit i of A with unit i of B (no permutation)
 * @param corrAfter   mean correlation of unit i of A with its matched unit perm[i] of B
 */
public record SpaceDiagnostics(String recipe, String space, double moved, double corrBefore, double corrAfter) {

    /** Diagnostics of one space from its correlation matrix (row-major dA × dB) and permutation. */
    public static SpaceDiagnostics of(String recipe, String space, double[] correlation, int dA, int dB, int[] perm) {
        if (perm.length != dA || (long) dA * dB != correlation.length) {
            throw new IllegalArgumentException("space " + space + ": permutation of " + perm.length + " units for a "
                    + dA + "×" + dB + " correlation matrix of " + correlation.length + " values");
        }
        int moved = 0;
        double before = 0, after = 0;
        for (int i = 0; i < dA; i++) {
            if (perm[i] != i) moved++;
            before += i < dB ? correlation[i * dB + i] : 0;
            after += correlation[i * dB + perm[i]];
        }
        return new SpaceDiagnostics(recipe, space, moved / (double) dA, before / dA, after / dA);
    }

    /** The Table II analogue named {@code name}: recipe, space, moved fraction, correlation before and after. */
    public static Table table(String name, List<SpaceDiagnostics> rows) {
        return Table.create(name, StringColumn.create("recipe", rows.stream().map(SpaceDiagnostics::recipe).toList()),
                StringColumn.create("space", rows.stream().map(SpaceDiagnostics::space).toList()),
                DoubleColumn.create("moved", rows.stream().mapToDouble(d -> TapStatistics.round(d.moved())).toArray()),
                DoubleColumn.create("corr before", rows.stream().mapToDouble(d -> TapStatistics.round(d.corrBefore())).toArray()),
                DoubleColumn.create("corr after", rows.stream().mapToDouble(d -> TapStatistics.round(d.corrAfter())).toArray()));
    }
}
