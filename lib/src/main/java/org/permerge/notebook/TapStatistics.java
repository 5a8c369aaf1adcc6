package org.permerge.notebook;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Per-tap activation statistics for a notebook table: for each tapped activation, its units, frames,
 * mean, spread of the per-unit standard deviations, and dead units (constant over every frame).
 */
public final class TapStatistics {

    /** A unit whose standard deviation over all frames is below this is reported dead. */
    public static final double DEAD_STD = 1e-6;

    private TapStatistics() {}

    /** Statistics of one tap. */
    public record Row(String tap, int units, long frames, double mean, double meanUnitStd, double minUnitStd,
                      double maxUnitStd, double maxAbs, int deadUnits) {}

    /**
     * Statistics of a tap's activation, given as {@code [B, T, D]} (channels last) or, for convolution
     * taps ({@code channelsFirst}), {@code [B, C, T]}.
     */
    public static Row of(String tap, Tensor activation, boolean channelsFirst) {
        long[] s = activation.shape();
        if (s.length != 3) {
            throw new IllegalArgumentException("tap " + tap + ": expected a [B,T,D] or [B,C,T] activation, got shape "
                    + java.util.Arrays.toString(s));
        }
        int b = (int) s[0];
        int units = (int) (channelsFirst ? s[1] : s[2]);
        int t = (int) (channelsFirst ? s[2] : s[1]);
        float[] x = activation.toFloatArray();
        double[] sum = new double[units];
        double[] sumSq = new double[units];
        double maxAbs = 0;
        long frames = (long) b * t;
        // two passes per unit (mean, then squared deviations) keep the variance exact for large offsets
        for (int bi = 0; bi < b; bi++) {
            for (int ti = 0; ti < t; ti++) {
                for (int u = 0; u < units; u++) {
                    double v = x[index(bi, ti, u, t, units, channelsFirst)];
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException("tap " + tap + ": non-finite activation " + v
                                + " at batch " + bi + ", frame " + ti + ", unit " + u);
                    }
                    sum[u] += v;
                    maxAbs = Math.max(maxAbs, Math.abs(v));
                }
            }
        }
        double[] mean = new double[units];
        for (int u = 0; u < units; u++) {
            mean[u] = sum[u] / frames;
        }
        for (int bi = 0; bi < b; bi++) {
            for (int ti = 0; ti < t; ti++) {
                for (int u = 0; u < units; u++) {
                    double d = x[index(bi, ti, u, t, units, channelsFirst)] - mean[u];
                    sumSq[u] += d * d;
                }
            }
        }
        double grand = 0;
        double stdSum = 0;
        double minStd = Double.POSITIVE_INFINITY;
        double maxStd = 0;
        int dead = 0;
        for (int u = 0; u < units; u++) {
            double std = Math.sqrt(sumSq[u] / frames);
            grand += mean[u];
            stdSum += std;
            minStd = Math.min(minStd, std);
            maxStd = Math.max(maxStd, std);
            if (std < DEAD_STD) {
                dead++;
            }
        }
        return new Row(tap, units, frames, grand / units, stdSum / units, minStd, maxStd, maxAbs, dead);
    }

    private static int index(int bi, int ti, int u, int t, int units, boolean channelsFirst) {
        return channelsFirst ? (bi * units + u) * t + ti : (bi * t + ti) * units + u;
    }

    /**
     * One row per tensor of {@code activations} whose name starts with {@code prefix} (the prefix is
     * dropped from the tap name); names containing {@code conv_layers} are read channels-first.
     * Rows come in forward order: convolutions, projection, positional conv, then layer by layer.
     */
    public static List<Row> rows(StateDict activations, String prefix) {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : activations.tensors().entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                String tap = e.getKey().substring(prefix.length());
                rows.add(of(tap, e.getValue(), tap.contains("conv_layers")));
            }
        }
        rows.sort(Comparator.comparing(r -> forwardOrder(r.tap())));
        return rows;
    }

    /** A sort key that puts taps in the order a forward pass reaches them. */
    static String forwardOrder(String tap) {
        String group = tap.startsWith("feature_extractor") ? "0" : tap.startsWith("feature_projection") ? "1"
                : tap.startsWith("encoder.pos_conv") ? "2" : tap.startsWith("encoder.layers") ? "3" : "4";
        StringBuilder key = new StringBuilder(group);
        for (String part : tap.split("\\.")) {
            key.append('.').append(part.matches("\\d+") ? String.format("%04d", Integer.parseInt(part))
                    : part.equals("attention") ? "a" : part.equals("feed_forward") ? "b" : part);
        }
        return key.toString();
    }

    /** The rows as a Tablesaw table named {@code name}. */
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
        }
        return Table.create(name, tap, units, frames, mean, meanStd, minStd, maxStd, maxAbs, dead);
    }

    /** Four significant digits: enough to read, few enough to compare across runs. */
    static double round(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v;
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).doubleValue();
    }
}
