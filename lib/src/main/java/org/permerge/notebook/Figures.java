package org.permerge.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Margin;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.HeatmapTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/** The few Plotly figure shapes the notebooks draw (grouped bars, line series, heatmaps), built with Tablesaw. */
public final class Figures {

    private Figures() {}

    /** Grouped bars: one bar per category for each named series (in the map's order). */
    public static Figure bars(String title, String yTitle, String[] categories, Map<String, double[]> series) {
        List<Trace> traces = new ArrayList<>();
        for (Map.Entry<String, double[]> s : series.entrySet()) {
            requireLength(s.getKey(), s.getValue().length, categories.length);
            traces.add(BarTrace.builder(categories, s.getValue()).name(jsText(s.getKey())).build());
        }
        Layout layout = Layout.builder()
                .title(jsText(title))
                .barMode(Layout.BarMode.GROUP)
                .yAxis(Axis.builder().title(jsText(yTitle)).build())
                .margin(Margin.builder().bottom(160).build())
                .width(900).height(480)
                .build();
        return new Figure(layout, traces.toArray(new Trace[0]));
    }

    /** Line series over a shared x axis, with markers at the points. */
    public static Figure lines(String title, String xTitle, String yTitle, double[] x, Map<String, double[]> series) {
        List<Trace> traces = new ArrayList<>();
        for (Map.Entry<String, double[]> s : series.entrySet()) {
            requireLength(s.getKey(), s.getValue().length, x.length);
            traces.add(ScatterTrace.builder(x, s.getValue()).mode(ScatterTrace.Mode.LINE_AND_MARKERS)
                    .name(jsText(s.getKey())).build());
        }
        Layout layout = Layout.builder()
                .title(jsText(title))
                .xAxis(Axis.builder().title(jsText(xTitle)).build())
                .yAxis(Axis.builder().title(jsText(yTitle)).build())
                .width(900).height(480)
                .build();
        return new Figure(layout, traces.toArray(new Trace[0]));
    }

    /** A heatmap of {@code z[row][col]} with labelled rows (y) and columns (x). */
    public static Figure heatmap(String title, String[] columns, String[] rows, double[][] z) {
        requireLength("heatmap rows", z.length, rows.length);
        for (double[] r : z) {
            requireLength("heatmap row", r.length, columns.length);
        }
        Layout layout = Layout.builder().title(jsText(title)).width(700).height(620).build();
        return new Figure(layout, HeatmapTrace.builder(columns, rows, z).build());
    }

    /**
     * The correlation of A's units (rows) with B's units (columns), B's columns reordered by {@code perm}
     * (null: B's own order), showing at most the first {@code maxUnits} units of each so a 3072-unit
     * space stays a readable block. A good matching puts its mass on the diagonal.
     */
    public static Figure correlation(String title, double[] correlation, int dA, int dB, int[] perm, int maxUnits) {
        if (correlation.length != (long) dA * dB) {
            throw new IllegalArgumentException("correlation has " + correlation.length + " values, expected " + dA + "x" + dB);
        }
        if (perm != null && perm.length != dA) {
            throw new IllegalArgumentException("permutation has " + perm.length + " entries for " + dA + " units");
        }
        int rows = Math.min(dA, maxUnits);
        int cols = Math.min(dB, maxUnits);
        double[][] z = new double[rows][cols];
        String[] rowLabels = new String[rows];
        String[] colLabels = new String[cols];
        for (int i = 0; i < rows; i++) {
            rowLabels[i] = "A" + i;
            for (int j = 0; j < cols; j++) {
                int b = perm == null ? j : perm[j];
                z[i][j] = correlation[i * dB + b];
            }
        }
        for (int j = 0; j < cols; j++) {
            colLabels[j] = "B" + (perm == null ? j : perm[j]);
        }
        String shown = rows < dA || cols < dB ? " (first " + rows + " of " + dA + " units)" : "";
        return heatmap(title + shown, colLabels, rowLabels, z);
    }

    /**
     * Tablesaw writes titles and names into single-quoted JavaScript strings without escaping them; a
     * quote in a label would end the string and break the figure's script.
     */
    static String jsText(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ");
    }

    private static void requireLength(String what, int got, int expected) {
        if (got != expected) {
            throw new IllegalArgumentException(what + ": " + got + " values for " + expected + " positions");
        }
    }
}
