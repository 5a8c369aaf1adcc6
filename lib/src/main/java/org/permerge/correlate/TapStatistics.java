package org.permerge.correlate;

import java.util.List;
import org.permerge.io.SignificantDigits;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Per-tap activation statistics as a notebook table: units, frames, mean, the spread of per-unit
 * standard deviations, the largest magnitude, dead units, and (when a reference was given) the largest
 * difference from a reference implementation's activations.
 */
public final class TapStatistics {

    private TapStatistics() {}

    /** Statistics of one tap; {@code maxAbsDiff} is NaN when there was no reference to compare with. */
    public record Row(String tap, int units, long frames, double mean, double meanUnitStd, double minUnitStd,
                      double maxUnitStd, double maxAbs, int deadUnits, double maxAbsDiff) {

        /** A row from a tap's streamed unit statistics. */
        public static Row of(UnitStatistics s, double maxAbs, double maxAbsDiff) {
            double[] mean = s.mean();
            double[] std = s.std();
            double grand = 0;
            double stdSum = 0;
            double minStd = Double.POSITIVE_INFINITY;
            double maxStd = 0;
            for (int u = 0; u < s.units(); u++) {
                grand += mean[u];
                stdSum += std[u];
                minStd = Math.min(minStd, std[u]);
                maxStd = Math.max(maxStd, std[u]);
            }
            return new Row(s.name(), s.units(), s.count(), grand / s.units(), stdSum / s.units(), minStd, maxStd,
                    maxAbs, s.deadUnits().length, maxAbsDiff);
        }
    }

    /** The rows as a Tablesaw table named {@code name}; the reference column only when some row has one. */
    public static Table table(String name, List<Row> rows) {
        StringColumn tap = StringColumn.create("tap");
        IntColumn units = IntColumn.create("units");
        DoubleColumn frames = DoubleColumn.create("frames");
        DoubleColumn mean = DoubleColumn.create("mean");
        DoubleColumn meanStd = DoubleColumn.create("mean unit std");
        DoubleColumn minStd = DoubleColumn.create("min unit std");
        DoubleColumn maxStd = DoubleColumn.create("max unit std");
        DoubleColumn maxAbs = DoubleColumn.create("max |x|");
        IntColumn dead = IntColumn.create("dead units");
        DoubleColumn diff = DoubleColumn.create("max |Δ| vs reference");
        for (Row r : rows) {
            tap.append(r.tap());
            units.append(r.units());
            frames.append(r.frames());
            mean.append(round(r.mean()));
            meanStd.append(round(r.meanUnitStd()));
            minStd.append(round(r.minUnitStd()));
            maxStd.append(round(r.maxUnitStd()));
            maxAbs.append(round(r.maxAbs()));
            dead.append(r.deadUnits());
            if (Double.isNaN(r.maxAbsDiff())) {
                diff.appendMissing();
            } else {
                diff.append(round(r.maxAbsDiff()));
            }
        }
        Table t = Table.create(name, tap, units, frames, mean, meanStd, minStd, maxStd, maxAbs, dead);
        if (rows.stream().anyMatch(r -> !Double.isNaN(r.maxAbsDiff()))) {
            t.addColumns(diff);
        }
        return t;
    }

    /** Four significant digits: enough to read, few enough to compare across runs. */
    public static double round(double v) {
        return SignificantDigits.four(v);
    }
}
