package org.permerge.study;

import org.permerge.bench.Domain;
import org.permerge.bench.Holm;
import org.permerge.bench.Interval;
import org.permerge.bench.ScoreTable;
import org.permerge.bench.TaskSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A pair's scores read out for {@code summary.json} (rows, baselines, the pre-registered comparisons with
 * Holm-corrected p-values) and for the terminal (raw accuracies; the SUPERB-normalised scale only where it is
 * well-conditioned).
 */
public final class StudyResults {
    /**
     * The normalised score (s − s_fbank)/(s_ref − s_fbank) is shown only for tasks where |s_ref − s_fbank| is at
     * least this (a fraction: 0.10 = 10 accuracy points): there each accuracy point moves the score by at most 100;
     * with a span of a few points it moves it by several hundred, values like −1047.6 or 2250 appear, and the scale
     * says nothing.
     */
    public static final double MIN_NORMALISATION_SPAN = 0.10;

    private StudyResults() {}

    /**
     * One pair's part of summary.json: each row and baseline from {@code comparisonTable} where it is there (the
     * large sets), else from {@code sweepTable}; the pre-registered comparisons from {@code comparisonTable}.
     */
    public static StudySummary.PairSummary pairSummary(StudyConfig.Pair pair, StudyConfig config, ScoreTable comparisonTable,
                                                       ScoreTable sweepTable, List<SweepPoint> sweep, List<StudySummary.SpaceRow> tableIi) {
        List<StudySummary.Row> rows = new ArrayList<>();
        for (SweepPoint p : sweep) {
            ScoreTable t = tableOf(p.model(), comparisonTable, sweepTable);
            rows.add(new StudySummary.Row(p.recipe().label(), p.lambda().toString(), p.repairMode().label(), tasks(t, p.model()),
                    averages(t, p.model()), evaluation(t, comparisonTable, sweepTable)));
        }
        List<StudySummary.Baseline> baselines = new ArrayList<>();
        String[][] names = {{"fbank", Reproduction.FBANK}, {"A", pair.modelA().label()}, {"B", pair.modelB().label()}};
        for (String[] n : names) {
            ScoreTable t = tableOf(n[1], comparisonTable, sweepTable);
            baselines.add(new StudySummary.Baseline(n[0], tasks(t, n[1]), averages(t, n[1]), evaluation(t, comparisonTable, sweepTable)));
        }
        return new StudySummary.PairSummary(pair.name(), pair.modelA().path(), pair.modelB().path(), pair.sharedInit(), rows, baselines,
                tableIi, comparisons(comparisonTable, config.comparisons()));
    }

    private static ScoreTable tableOf(String model, ScoreTable comparisonTable, ScoreTable sweepTable) {
        return comparisonTable.models().contains(model) ? comparisonTable : sweepTable;
    }

    private static String evaluation(ScoreTable used, ScoreTable comparisonTable, ScoreTable sweepTable) {
        return used == comparisonTable && comparisonTable != sweepTable ? StudySummary.COMPARISON : StudySummary.SWEEP;
    }

    /**
     * The pre-registered comparisons on the overall average (raw, as a fraction), each with its paired-bootstrap
     * interval over the same test clips; the bootstrap p-values are Holm-corrected together (one family per pair).
     */
    public static List<StudySummary.ComparisonResult> comparisons(ScoreTable table, List<StudyConfig.Comparison> comparisons) {
        ScoreTable.Column overall = ScoreTable.Column.average(null, ScoreTable.Scale.RAW);
        double[] p = new double[comparisons.size()];
        Interval[] d = new Interval[comparisons.size()];
        for (int i = 0; i < p.length; i++) {
            StudyConfig.Comparison c = comparisons.get(i);
            d[i] = table.difference(c.a().row(), c.b().row(), overall);
            p[i] = table.differencePValue(c.a().row(), c.b().row(), overall);
        }
        double[] holm = Holm.adjust(p);
        List<StudySummary.ComparisonResult> out = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            out.add(new StudySummary.ComparisonResult(comparisons.get(i).name(), d[i].estimate() / 100, d[i].lower() / 100, d[i].upper() / 100, holm[i]));
        }
        return out;
    }

    private static Map<String, StudySummary.Estimate> tasks(ScoreTable table, String model) {
        Map<String, StudySummary.Estimate> m = new LinkedHashMap<>();
        for (TaskSpec t : table.tasks()) {
            m.put(t.name(), estimate(table.interval(model, ScoreTable.Column.task(t, ScoreTable.Scale.RAW)), table.outcome(model, t).size()));
        }
        return m;
    }

    private static Map<String, StudySummary.Estimate> averages(ScoreTable table, String model) {
        Map<String, StudySummary.Estimate> m = new LinkedHashMap<>();
        for (Domain d : new Domain[] {Domain.SPEECH, Domain.MUSIC, null}) {
            Interval iv = table.interval(model, ScoreTable.Column.average(d, ScoreTable.Scale.RAW));
            // a domain without tasks has no average
            int clips = 0;
            for (TaskSpec t : table.tasks()) if (d == null || t.domain() == d) clips += table.outcome(model, t).size();
            if (!Double.isNaN(iv.estimate())) m.put(d == null ? "overall" : d.name().toLowerCase(Locale.ROOT), estimate(iv, clips));
        }
        return m;
    }

    /** The table's percent → a fraction. */
    private static StudySummary.Estimate estimate(Interval iv, int testClips) {
        return new StudySummary.Estimate(iv.estimate() / 100, iv.lower() / 100, iv.upper() / 100, testClips);
    }

    /** Whether a task's normalised score is well-conditioned: |s_ref − s_fbank| ≥ {@link #MIN_NORMALISATION_SPAN}. */
    public static boolean wellConditioned(ScoreTable table, TaskSpec t) {
        double span = t.metric().oriented(table.referenceScore(t)) - t.metric().oriented(table.baselineScore(t));
        return Math.abs(span) >= MIN_NORMALISATION_SPAN;
    }

    /**
     * The table for the terminal: raw accuracies (percent) with intervals; then the SUPERB-normalised scores for
     * the well-conditioned tasks only (an average only where all its tasks are), naming the tasks left out.
     */
    public static String terminalTable(ScoreTable table) {
        StringBuilder sb = new StringBuilder();
        List<ScoreTable.Column> raw = table.columns().stream().filter(c -> c.scale() == ScoreTable.Scale.RAW).toList();
        sb.append("Raw accuracy (%), 95 % paired-bootstrap interval\n\n");
        sb.append(table.toMarkdown(raw));
        List<String> ill = new ArrayList<>();
        for (TaskSpec t : table.tasks()) {
            if (!wellConditioned(table, t)) {
                ill.add(String.format(Locale.ROOT, "%s (|s_ref − s_fbank| = %.1f points)", t.name(),
                        100 * Math.abs(t.metric().oriented(table.referenceScore(t)) - t.metric().oriented(table.baselineScore(t)))));
            }
        }
        List<ScoreTable.Column> norm = new ArrayList<>();
        for (ScoreTable.Column c : table.columns()) {
            if (c.scale() != ScoreTable.Scale.NORMALISED) continue;
            boolean ok = true;
            for (TaskSpec t : table.tasks()) {
                boolean in = c.isAverage() ? c.domain() == null || t.domain() == c.domain() : t.name().equals(c.task().name());
                if (in && !wellConditioned(table, t)) ok = false;
            }
            if (ok) norm.add(c);
        }
        sb.append('\n');
        if (!ill.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "SUPERB-normalised score not shown for %s: below %.0f points between the better"
                    + " endpoint and log-mel, the ratio is ill-conditioned.%n", String.join(", ", ill), 100 * MIN_NORMALISATION_SPAN));
        }
        if (!norm.isEmpty()) {
            sb.append("SUPERB-style score 1000 × (s − s_fbank)/(s_ref − s_fbank), well-conditioned columns only\n\n");
            sb.append(table.toMarkdown(norm));
        }
        return sb.toString();
    }


    /** The pre-registered comparisons of a pair as lines of text (points, interval, Holm-corrected p); empty when there are none. */
    public static String comparisonsText(StudySummary.PairSummary pair) {
        StringBuilder sb = new StringBuilder();
        if (pair.comparisons().isEmpty()) return "";
        sb.append("Pre-registered comparisons (overall average, paired over the same test clips; p Holm-corrected within the pair):\n");
        for (StudySummary.ComparisonResult c : pair.comparisons()) {
            sb.append(String.format(Locale.ROOT, "  %-60s %+5.1f points [%+5.1f, %+5.1f]  p_holm = %.3g%n", c.name(), 100 * c.difference(),
                    100 * c.low(), 100 * c.high(), c.pHolm()));
        }
        return sb.append('\n').toString();
    }
}
