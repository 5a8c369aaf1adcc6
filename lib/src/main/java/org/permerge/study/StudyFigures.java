package org.permerge.study;

import org.permerge.bench.ScoreTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * The study's figures as Tablesaw/Plotly figures: score against λ for linear interpolation and permutation
 * (with and without REPAIR), and the mean matched correlation per space before and after matching.
 */
public final class StudyFigures {
    private StudyFigures() {}

    /** One line per (recipe, REPAIR) of the sweep: the table's value in {@code column} against λ. */
    public static Figure scoreVersusLambda(ScoreTable table, List<SweepPoint> sweep, ScoreTable.Column column, String title) {
        Map<String, TreeMap<Double, Double>> lines = new LinkedHashMap<>();
        for (SweepPoint p : sweep) {
            String line = (p.recipe() == org.permerge.match.MergeRecipe.IDENTITY ? "linear interpolation (identity)" : "permutation " + p.recipe())
                    + (p.repair() ? " + REPAIR" : "");
            double y = table.interval(p.model(), column).estimate();
            // An undefined score (a task whose reference equals the baseline) is left out rather than drawn as "NaN".
            // A per-component λ has no place on one λ axis.
            if (Double.isFinite(y) && !Double.isNaN(p.lambdaValue())) lines.computeIfAbsent(line, k -> new TreeMap<>()).put(p.lambdaValue(), y);
        }
        List<Trace> traces = new ArrayList<>();
        for (var e : lines.entrySet()) {
            double[] x = e.getValue().keySet().stream().mapToDouble(Double::doubleValue).toArray();
            double[] y = e.getValue().values().stream().mapToDouble(Double::doubleValue).toArray();
            traces.add(ScatterTrace.builder(x, y).mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(e.getKey()).showLegend(true).build());
        }
        Layout layout = Layout.builder().title(title).height(450).width(800)
                .xAxis(Axis.builder().title("λ (weight of model A)").build())
                .yAxis(Axis.builder().title(column.header()).build()).build();
        return new Figure(layout, traces.toArray(new Trace[0]));
    }

    /** Mean correlation of each A unit with its B partner, before (identity) and after matching, per space. */
    public static Figure matchedCorrelation(List<SpaceDiagnostics> diagnostics, String recipe) {
        List<SpaceDiagnostics> rows = diagnostics.stream().filter(d -> d.recipe().equals(recipe)).toList();
        Object[] spaces = rows.stream().map(SpaceDiagnostics::space).toArray();
        double[] before = rows.stream().mapToDouble(SpaceDiagnostics::corrBefore).toArray();
        double[] after = rows.stream().mapToDouble(SpaceDiagnostics::corrAfter).toArray();
        Layout layout = Layout.builder().title("Mean matched correlation per space (" + recipe + ")").height(450).width(1000)
                .barMode(Layout.BarMode.GROUP)
                .xAxis(Axis.builder().title("space").build())
                .yAxis(Axis.builder().title("mean Pearson correlation").build()).build();
        return new Figure(layout,
                BarTrace.builder(spaces, before).name("before (identity)").showLegend(true).build(),
                BarTrace.builder(spaces, after).name("after matching").showLegend(true).build());
    }
}
