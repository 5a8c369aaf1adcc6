package org.permerge.correlate;

import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * One table row per correlation block of alignment statistics ({@code qk.L} has two: queries and keys):
 * units, frames, dead units, and the mean diagonal correlation (unit i of A with unit i of B).
 */
public final class StatisticsSummary {

    private StatisticsSummary() {}

    /** The correlation blocks behind every space, labelled (e.g. {@code qk.0 (q)}). */
    public static List<CrossCorrelation> blocks(AlignmentStatistics stats, List<String> labels) {
        List<CrossCorrelation> out = new ArrayList<>();
        for (String space : stats.spaces()) {
            if (space.startsWith("qk.")) {
                int layer = Integer.parseInt(space.substring(3));
                out.add(stats.query(layer));
                labels.add(space + " (q)");
                out.add(stats.key(layer));
                labels.add(space + " (k)");
            } else {
                out.add(stats.correlation(space));
                labels.add(space);
            }
        }
        return out;
    }

    /** The summary table, named {@code name}. */
    public static Table table(String name, AlignmentStatistics stats) {
        List<String> labels = new ArrayList<>();
        List<CrossCorrelation> blocks = blocks(stats, labels);
        IntColumn unitsA = IntColumn.create("units A");
        IntColumn unitsB = IntColumn.create("units B");
        LongColumn frames = LongColumn.create("frames");
        IntColumn deadA = IntColumn.create("dead A");
        IntColumn deadB = IntColumn.create("dead B");
        DoubleColumn diagonal = DoubleColumn.create("mean corr, identity order");
        for (CrossCorrelation cc : blocks) {
            unitsA.append(cc.unitsA());
            unitsB.append(cc.unitsB());
            frames.append(cc.count());
            deadA.append(cc.deadUnitsA().length);
            deadB.append(cc.deadUnitsB().length);
            diagonal.append(TapStatistics.round(meanDiagonal(cc)));
        }
        return Table.create(name, StringColumn.create("space", labels), unitsA, unitsB, frames, deadA, deadB, diagonal);
    }

    static double meanDiagonal(CrossCorrelation cc) {
        double[] r = cc.correlation();
        int n = Math.min(cc.unitsA(), cc.unitsB());
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += r[i * cc.unitsB() + i];
        }
        return s / n;
    }
}
