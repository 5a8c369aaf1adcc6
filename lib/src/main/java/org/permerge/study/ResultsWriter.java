package org.permerge.study;

import com.google.gson.GsonBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.permerge.bench.Domain;
import org.permerge.bench.Interval;
import org.permerge.bench.McNemar;
import org.permerge.bench.Metric;
import org.permerge.bench.ScoreTable;
import org.permerge.bench.TaskSpec;
import org.permerge.io.AtomicFiles;
import org.permerge.io.PlotlyJs;
import tech.tablesaw.plotly.components.Figure;

/**
 * Writes a study's results folder: the table (CSV and Markdown, with confidence intervals), significance
 * tests of permutation against plain interpolation, the Table II analogue (fraction of units moved per
 * space), self-contained HTML plots (plotly.js inline, works offline) and a provenance file.
 */
public final class ResultsWriter {
    /** File names inside a results folder. */
    public static final String TABLE_CSV = "table.csv", TABLE_MD = "table.md", SIGNIFICANCE_MD = "significance.md",
            TABLE_II_CSV = "table-ii.csv", TABLE_II_MD = "table-ii.md", PLOTS_HTML = "plots.html",
            PROVENANCE_JSON = "provenance.json", LAYER_WEIGHTS_CSV = "layer-weights.csv",
            COMPARISON_TABLE_CSV = "comparison-table.csv", COMPARISON_TABLE_MD = "comparison-table.md";

    private ResultsWriter() {}

    /**
     * Writes every file; returns the paths written.
     *
     * @param table        every row, on the λ sweep's clips
     * @param comparisonTable the baselines and the rows of the pre-registered comparisons on their large sets, or
     *                     {@code null} when the study probes every row on the same clips
     * @param layerWeights model → task → the probe's softmax layer weights
     */
    public static List<Path> write(Path out, ScoreTable table, ScoreTable comparisonTable, List<SweepPoint> sweep,
                                   List<SpaceDiagnostics> diagnostics, Map<String, Map<String, double[]>> layerWeights,
                                   Map<String, Object> provenance) {
        List<Path> written = new ArrayList<>();
        written.add(put(out.resolve(TABLE_CSV), table.toCsv()));
        written.add(put(out.resolve(TABLE_MD), "# Results\n\n" + (comparisonTable == null ? ""
                : "Every row on the λ sweep's clips (" + testClips(table) + "); the pre-registered comparisons' rows on all their"
                + " test clips are in " + COMPARISON_TABLE_MD + ".\n\n") + table.toMarkdown()));
        if (comparisonTable != null) {
            written.add(put(out.resolve(COMPARISON_TABLE_CSV), comparisonTable.toCsv()));
            written.add(put(out.resolve(COMPARISON_TABLE_MD), "# Results of the rows the pre-registered comparisons use\n\n"
                    + "Probed on the large sets (" + testClips(comparisonTable) + ").\n\n" + comparisonTable.toMarkdown()));
        }
        written.add(put(out.resolve(SIGNIFICANCE_MD), significance(table, sweep)));
        written.add(put(out.resolve(TABLE_II_CSV), tableIiCsv(diagnostics)));
        written.add(put(out.resolve(TABLE_II_MD), tableIiMarkdown(diagnostics)));
        written.add(put(out.resolve(LAYER_WEIGHTS_CSV), layerWeightsCsv(layerWeights)));
        written.add(put(out.resolve(PLOTS_HTML), plots(table, sweep, diagnostics)));
        written.add(put(out.resolve(PROVENANCE_JSON),
                new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(provenance) + "\n"));
        return written;
    }

    /** Test clips per task of a table, e.g. {@code word 333, speaker 334 test clips}. */
    static String testClips(ScoreTable table) {
        List<String> parts = new ArrayList<>();
        String any = table.models().get(0);
        for (TaskSpec t : table.tasks()) parts.add(t.name() + " " + table.outcome(any, t).size());
        return String.join(", ", parts) + " test clips";
    }

    /** Permutation against plain interpolation at the same λ and REPAIR setting: McNemar per task and paired score CIs. */
    static String significance(ScoreTable table, List<SweepPoint> sweep) {
        StringBuilder sb = new StringBuilder("# Permutation against plain linear interpolation\n\n"
                + "Same λ, same REPAIR setting, same test clips. Per task: exact McNemar p-value (two-sided) on the clips only one"
                + " model gets right (b = only the permuted merge, c = only interpolation); the overall columns give the paired"
                + " bootstrap interval of the difference (permuted − interpolated).\n\n");
        sb.append("| merge | vs | ");
        for (TaskSpec t : table.tasks()) sb.append(t.name()).append(" (b/c, p) | ");
        sb.append("Δ overall avg | Δ overall score |\n|---|---|");
        sb.append("---|".repeat(table.tasks().size() + 2)).append('\n');
        int rows = 0;
        for (SweepPoint p : sweep) {
            if (p.recipe() == org.permerge.match.MergeRecipe.IDENTITY) continue;
            SweepPoint base = sweep.stream().filter(q -> q.recipe() == org.permerge.match.MergeRecipe.IDENTITY && q.lambda().equals(p.lambda())
                    && q.repairMode() == p.repairMode()).findFirst().orElse(null);
            if (base == null) continue;
            sb.append("| ").append(p.model()).append(" | ").append(base.model()).append(" | ");
            for (TaskSpec t : table.tasks()) {
                if (t.metric() != Metric.ACCURACY) {
                    sb.append("– | ");
                    continue;
                }
                McNemar m = table.mcnemar(p.model(), base.model(), t);
                sb.append(String.format(Locale.ROOT, "%d/%d, %.3g | ", m.onlyFirstCorrect(), m.onlySecondCorrect(), m.pValue()));
            }
            for (ScoreTable.Scale s : ScoreTable.Scale.values()) {
                Interval d = table.difference(p.model(), base.model(), ScoreTable.Column.average(null, s));
                sb.append(String.format(Locale.ROOT, "%+.1f [%+.1f, %+.1f] | ", d.estimate(), d.lower(), d.upper()));
            }
            sb.append('\n');
            rows++;
        }
        if (rows == 0) sb.append("| (no permuted merge has an interpolation partner at the same λ) |\n");
        return sb.toString();
    }

    static String tableIiCsv(List<SpaceDiagnostics> diagnostics) {
        StringBuilder sb = new StringBuilder("recipe,space,moved_fraction,mean_corr_before,mean_corr_after\n");
        for (SpaceDiagnostics d : diagnostics) {
            sb.append(d.recipe()).append(',').append(d.space()).append(',')
                    .append(String.format(Locale.ROOT, "%.6f,%.6f,%.6f", d.moved(), d.corrBefore(), d.corrAfter())).append('\n');
        }
        return sb.toString();
    }

    /** Rows: spaces; columns: recipes; cells: percent of B's units that moved (the paper's Table II). */
    static String tableIiMarkdown(List<SpaceDiagnostics> diagnostics) {
        Set<String> recipes = new LinkedHashSet<>(), spaces = new LinkedHashSet<>();
        Map<String, SpaceDiagnostics> cell = new LinkedHashMap<>();
        for (SpaceDiagnostics d : diagnostics) {
            recipes.add(d.recipe());
            spaces.add(d.space());
            cell.put(d.recipe() + "\u0000" + d.space(), d);
        }
        StringBuilder sb = new StringBuilder("# Table II analogue: units of B moved by the matching (%)\n\n"
                + "Paper (HuBERT Base vs MERT-v0): 30.86 % in the first CNN layer, nearly all elsewhere.\n\n| space |");
        for (String r : recipes) sb.append(' ').append(r).append(" |");
        sb.append("\n|---|").append("---:|".repeat(recipes.size())).append('\n');
        for (String s : spaces) {
            sb.append("| ").append(s).append(" |");
            for (String r : recipes) {
                SpaceDiagnostics d = cell.get(r + "\u0000" + s);
                sb.append(d == null ? " – |" : String.format(Locale.ROOT, " %.2f |", 100 * d.moved()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String layerWeightsCsv(Map<String, Map<String, double[]>> weights) {
        StringBuilder sb = new StringBuilder("model,task,layer,weight\n");
        weights.forEach((model, perTask) -> perTask.forEach((task, w) -> {
            for (int l = 0; l < w.length; l++) {
                sb.append('"').append(model.replace("\"", "\"\"")).append("\",").append(task).append(',').append(l).append(',')
                        .append(String.format(Locale.ROOT, "%.6f", w[l])).append('\n');
            }
        }));
        return sb.toString();
    }

    /** One HTML page with plotly.js inline and every figure. */
    static String plots(ScoreTable table, List<SweepPoint> sweep, List<SpaceDiagnostics> diagnostics) {
        List<Figure> figures = new ArrayList<>();
        if (!sweep.isEmpty()) {
            figures.add(StudyFigures.scoreVersusLambda(table, sweep, ScoreTable.Column.average(null, ScoreTable.Scale.NORMALISED),
                    "Overall SUPERB-style score against λ"));
            figures.add(StudyFigures.scoreVersusLambda(table, sweep, ScoreTable.Column.average(null, ScoreTable.Scale.RAW),
                    "Overall raw average against λ"));
            figures.add(StudyFigures.scoreVersusLambda(table, sweep, ScoreTable.Column.average(Domain.SPEECH, ScoreTable.Scale.NORMALISED),
                    "Speech score against λ"));
            figures.add(StudyFigures.scoreVersusLambda(table, sweep, ScoreTable.Column.average(Domain.MUSIC, ScoreTable.Scale.NORMALISED),
                    "Music score against λ"));
        }
        for (String recipe : new LinkedHashSet<>(diagnostics.stream().map(SpaceDiagnostics::recipe).toList())) {
            figures.add(StudyFigures.matchedCorrelation(diagnostics, recipe));
        }
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>permerge results</title></head>\n<body>\n");
        sb.append(PlotlyJs.libraryHtml());
        for (Figure f : figures) sb.append(PlotlyJs.figureHtml(f, PlotlyJs.newDivId()));
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static Path put(Path file, String text) {
        AtomicFiles.writeString(file, text);
        return file;
    }
}
