package org.permerge.merge;

import org.permerge.match.Alignment;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-merge diagnostics table: for every space, whether it was permuted, the fraction of units that
 * moved (the paper's Table II), mean correlation of unit i with unit i (identity) and of the matched pairs,
 * the head / group assignment, the frames behind the statistics, and what REPAIR did there. A {@code qk.L}
 * space the recipe leaves alone still moves its heads with {@code attn.L} ("heads only").
 */
public final class MergeDiagnostics {
    private MergeDiagnostics() {}

    /** One row per space, in spec order. */
    public static Table table(Alignment alignment, List<Repair.SpaceRepair> repairs) {
        Map<String, Repair.SpaceRepair> bySpace = new LinkedHashMap<>();
        if (repairs != null) for (Repair.SpaceRepair r : repairs) bySpace.put(r.space(), r);
        StringColumn space = StringColumn.create("space");
        IntColumn units = IntColumn.create("units");
        StringColumn permuted = StringColumn.create("permuted");
        DoubleColumn moved = DoubleColumn.create("moved %");
        DoubleColumn before = DoubleColumn.create("corr identity");
        DoubleColumn after = DoubleColumn.create("corr matched");
        StringColumn blocks = StringColumn.create("head/group assignment");
        LongColumn frames = LongColumn.create("frames");
        StringColumn repair = StringColumn.create("REPAIR");
        for (Alignment.SpaceMatch m : alignment.matches()) {
            space.append(m.space());
            units.append(m.units());
            permuted.append(m.permuted() ? "yes" : m.movedFraction() > 0 ? "heads only" : "no");
            moved.append(round(100 * m.movedFraction(), 2));
            before.append(round(m.meanCorrelationBefore(), 4));
            after.append(round(m.meanCorrelationAfter(), 4));
            blocks.append(m.blockOrder() == null ? "" : Arrays.toString(m.blockOrder()));
            frames.append(m.frames());
            Repair.SpaceRepair r = bySpace.get(m.space());
            repair.append(r == null ? "" : r.applied()
                    ? String.format("mean scale %.3f (std was %.1f%% off its goal)", r.meanScale(), 100 * r.meanRelativeStdGapBefore())
                    : r.note());
        }
        return Table.create("merge diagnostics: " + alignment.recipe(), space, units, permuted, moved, before, after, blocks, frames, repair);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
