package org.permerge.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The results table: rows are models, columns are each task's raw metric and SUPERB-style normalised score,
 * and the speech, music and overall averages on both scales, each with a paired bootstrap confidence
 * interval. The normalisation constants are fixed for the whole table: s_fbank is the log-mel baseline's
 * score and s_ref the better of the two unmerged models (A and B) on each task.
 */
public final class ScoreTable {

    /** Raw metric (averages on the higher-is-better orientation) or SUPERB-style normalised score ×1000. */
    public enum Scale { RAW, NORMALISED }

    /**
     * One column of the table.
     *
     * @param task   the task, or null for an average
     * @param domain for an average, the domain averaged over (null = all tasks)
     * @param scale  raw or normalised
     */
    public record Column(TaskSpec task, Domain domain, Scale scale) {
        /** A task's column. */
        public static Column task(TaskSpec task, Scale scale) {
            return new Column(Objects.requireNonNull(task), null, scale);
        }

        /** The average over a domain's tasks (null domain = all tasks). */
        public static Column average(Domain domain, Scale scale) {
            return new Column(null, domain, scale);
        }

        public boolean isAverage() {
            return task == null;
        }

        /** Header text, e.g. {@code word}, {@code speech avg}, {@code overall score}. */
        public String header() {
            String base = task != null ? task.name() : (domain == null ? "overall" : domain.label()) + " avg";
            return scale == Scale.NORMALISED ? base + " score" : base;
        }
    }

    private final List<TaskSpec> tasks;
    private final List<String> models;
    private final String baseline;
    private final String referenceA;
    private final String referenceB;
    private final PairedBootstrap bootstrap;
    private final double level;
    private final Map<String, Map<String, TaskOutcome>> outcomes;
    private final double[] fbank;
    private final double[] reference;
    /** [task][model][replicate] raw metric on each bootstrap resample. */
    private final double[][][] replicates;

    private ScoreTable(Builder b) {
        this.tasks = List.copyOf(b.tasks);
        this.models = List.copyOf(b.outcomes.keySet());
        this.baseline = b.baseline;
        this.referenceA = b.referenceA;
        this.referenceB = b.referenceB;
        this.bootstrap = b.bootstrap;
        this.level = b.level;
        this.outcomes = b.outcomes;
        for (String required : new String[] {baseline, referenceA, referenceB}) {
            if (!outcomes.containsKey(required)) {
                throw new IllegalArgumentException("table has no row for model '" + required + "' (rows: " + models + ")");
            }
        }
        fbank = new double[tasks.size()];
        reference = new double[tasks.size()];
        replicates = new double[tasks.size()][][];
        for (int t = 0; t < tasks.size(); t++) {
            TaskSpec task = tasks.get(t);
            List<TaskOutcome> column = new ArrayList<>();
            for (String m : models) {
                TaskOutcome o = outcomes.get(m).get(task.name());
                if (o == null) throw new IllegalArgumentException("model '" + m + "' has no result for task " + task.name());
                column.add(o);
            }
            replicates[t] = bootstrap.replicates(column);
            fbank[t] = outcome(baseline, task).value();
            reference[t] = SuperbScore.reference(task.metric(), outcome(referenceA, task).value(),
                    outcome(referenceB, task).value());
        }
    }

    /** A builder; {@code set…} are required, {@code opt…} optional. */
    public static Builder builder() {
        return new Builder();
    }

    public List<TaskSpec> tasks() {
        return tasks;
    }

    /** Row names in insertion order. */
    public List<String> models() {
        return models;
    }

    public String baseline() {
        return baseline;
    }

    public PairedBootstrap bootstrap() {
        return bootstrap;
    }

    public double level() {
        return level;
    }

    /** s_fbank of a task. */
    public double baselineScore(TaskSpec task) {
        return fbank[index(task)];
    }

    /** s_ref of a task (better of A and B). */
    public double referenceScore(TaskSpec task) {
        return reference[index(task)];
    }

    /** One model's outcomes on one task. */
    public TaskOutcome outcome(String model, TaskSpec task) {
        Map<String, TaskOutcome> row = outcomes.get(model);
        if (row == null) throw new IllegalArgumentException("no row '" + model + "' (rows: " + models + ")");
        TaskOutcome o = row.get(task.name());
        if (o == null) throw new IllegalArgumentException("model '" + model + "' has no result for task " + task.name());
        return o;
    }

    /** Every column in display order: per-task raw, raw averages, per-task normalised, normalised averages. */
    public List<Column> columns() {
        List<Column> cols = new ArrayList<>();
        for (Scale s : Scale.values()) {
            for (TaskSpec t : tasks) cols.add(Column.task(t, s));
            cols.add(Column.average(Domain.SPEECH, s));
            cols.add(Column.average(Domain.MUSIC, s));
            cols.add(Column.average(null, s));
        }
        return cols;
    }

    /** A model's value in a column with its bootstrap interval (NaN where the column is empty or undefined). */
    public Interval interval(String model, Column column) {
        int m = modelIndex(model);
        double point = value(column, t -> outcome(model, tasks.get(t)).value());
        double[] reps = new double[bootstrap.replicates()];
        for (int r = 0; r < reps.length; r++) {
            final int rr = r;
            reps[r] = value(column, t -> replicates[t][m][rr]);
        }
        if (Double.isNaN(point)) return new Interval(Double.NaN, Double.NaN, Double.NaN, level);
        return PairedBootstrap.percentile(point, reps, level);
    }

    /** Paired bootstrap interval of {@code first − second} in a column. */
    public Interval difference(String first, String second, Column column) {
        double point = value(column, t -> outcome(first, tasks.get(t)).value())
                - value(column, t -> outcome(second, tasks.get(t)).value());
        if (Double.isNaN(point)) return new Interval(Double.NaN, Double.NaN, Double.NaN, level);
        return PairedBootstrap.percentile(point, differenceReplicates(first, second, column), level);
    }

    /** Two-sided paired-bootstrap p-value of "no difference" between two rows in a column (see {@link PairedBootstrap#pValue}). */
    public double differencePValue(String first, String second, Column column) {
        double point = value(column, t -> outcome(first, tasks.get(t)).value())
                - value(column, t -> outcome(second, tasks.get(t)).value());
        return PairedBootstrap.pValue(point, differenceReplicates(first, second, column));
    }

    /** {@code first − second} in a column on every bootstrap resample (the same clips for both rows). */
    private double[] differenceReplicates(String first, String second, Column column) {
        int a = modelIndex(first), b = modelIndex(second);
        double[] reps = new double[bootstrap.replicates()];
        for (int r = 0; r < reps.length; r++) {
            final int rr = r;
            reps[r] = value(column, t -> replicates[t][a][rr]) - value(column, t -> replicates[t][b][rr]);
        }
        return reps;
    }

    /** Exact McNemar test between two models on an accuracy task. */
    public McNemar mcnemar(String first, String second, TaskSpec task) {
        return McNemar.exact(outcome(first, task), outcome(second, task));
    }

    private interface RawLookup {
        double raw(int task);
    }

    /** Column value given each task's raw metric; raw values are reported in percent, scores ×1000. */
    private double value(Column c, RawLookup raw) {
        if (!c.isAverage()) {
            int t = index(c.task());
            return c.scale() == Scale.RAW ? 100 * raw.raw(t) : SuperbScore.SCALE * normalised(t, raw.raw(t));
        }
        double sum = 0;
        int n = 0;
        for (int t = 0; t < tasks.size(); t++) {
            TaskSpec task = tasks.get(t);
            if (c.domain() != null && task.domain() != c.domain()) continue;
            sum += c.scale() == Scale.RAW ? 100 * task.metric().oriented(raw.raw(t)) : SuperbScore.SCALE * normalised(t, raw.raw(t));
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private double normalised(int t, double s) {
        return SuperbScore.normalised(tasks.get(t).metric(), s, fbank[t], reference[t]);
    }

    private int index(TaskSpec task) {
        for (int t = 0; t < tasks.size(); t++) if (tasks.get(t).name().equals(task.name())) return t;
        throw new IllegalArgumentException("table has no task " + task.name());
    }

    private int modelIndex(String model) {
        int i = models.indexOf(model);
        if (i < 0) throw new IllegalArgumentException("no row '" + model + "' (rows: " + models + ")");
        return i;
    }

    /** CSV: one row per model, three cells (value, lower, upper) per column. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("model");
        for (Column c : columns()) {
            String h = csvHeader(c);
            sb.append(',').append(h).append(',').append(h).append("_lo,").append(h).append("_hi");
        }
        sb.append('\n');
        for (String m : models) {
            sb.append(csvCell(m));
            for (Column c : columns()) {
                Interval iv = interval(m, c);
                sb.append(',').append(num(iv.estimate())).append(',').append(num(iv.lower())).append(',').append(num(iv.upper()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Markdown: the raw table and the normalised-score table, each cell "value [lower, upper]". */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        for (Scale s : Scale.values()) {
            sb.append(s == Scale.RAW
                    ? "### Raw metric (accuracy %; averages on the higher-is-better scale)\n\n"
                    : "### SUPERB-style score: 1000 × (s − s_fbank) / (s_ref − s_fbank), s_ref = better of "
                            + referenceA + " and " + referenceB + "\n\n");
            sb.append(toMarkdown(columns().stream().filter(c -> c.scale() == s).toList()));
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "%.0f %% paired bootstrap intervals over test clips (%d replicates, seed %d).%n",
                100 * level, bootstrap.replicates(), bootstrap.seed()));
        return sb.toString();
    }

    /** Markdown of some columns, one row per model, each cell "value [lower, upper]" ("–" where undefined). */
    public String toMarkdown(List<Column> cols) {
        StringBuilder sb = new StringBuilder("| model |");
        for (Column c : cols) sb.append(' ').append(c.header()).append(" |");
        sb.append("\n|---|");
        sb.append("---:|".repeat(cols.size())).append('\n');
        for (String m : models) {
            sb.append("| ").append(m).append(" |");
            for (Column c : cols) {
                Interval iv = interval(m, c);
                sb.append(' ').append(Double.isNaN(iv.estimate()) ? "–"
                        : String.format(Locale.ROOT, "%.1f [%.1f, %.1f]", iv.estimate(), iv.lower(), iv.upper()))
                        .append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String csvHeader(Column c) {
        return c.header().replace(' ', '_');
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** Collects rows and settings for a {@link ScoreTable}. */
    public static final class Builder {
        private final List<TaskSpec> tasks = new ArrayList<>();
        private final Map<String, Map<String, TaskOutcome>> outcomes = new LinkedHashMap<>();
        private String baseline;
        private String referenceA;
        private String referenceB;
        private PairedBootstrap bootstrap = PairedBootstrap.defaults();
        private double level = 0.95;

        private Builder() {}

        /** The tasks, in column order (required). */
        public Builder setTasks(List<TaskSpec> tasks) {
            this.tasks.clear();
            this.tasks.addAll(tasks);
            return this;
        }

        /** The row of the log-mel baseline (required; s_fbank). */
        public Builder setBaseline(String model) {
            this.baseline = model;
            return this;
        }

        /** The two unmerged models whose better score is s_ref (required). */
        public Builder setReferences(String modelA, String modelB) {
            this.referenceA = modelA;
            this.referenceB = modelB;
            return this;
        }

        /** Adds one model's outcome on one task; rows keep the order of their first outcome. */
        public Builder add(String model, TaskOutcome outcome) {
            Map<String, TaskOutcome> row = outcomes.computeIfAbsent(model, k -> new LinkedHashMap<>());
            if (row.put(outcome.task().name(), outcome) != null) {
                throw new IllegalArgumentException("model '" + model + "' already has a result for task " + outcome.task().name());
            }
            return this;
        }

        public Builder optBootstrap(PairedBootstrap bootstrap) {
            this.bootstrap = Objects.requireNonNull(bootstrap);
            return this;
        }

        /** Confidence level of the intervals (default 0.95). */
        public Builder optLevel(double level) {
            if (!(level > 0 && level < 1)) throw new IllegalArgumentException("confidence level must be in (0, 1), got " + level);
            this.level = level;
            return this;
        }

        public ScoreTable build() {
            if (tasks.isEmpty()) throw new IllegalStateException("ScoreTable: setTasks is required");
            if (baseline == null) throw new IllegalStateException("ScoreTable: setBaseline is required");
            if (referenceA == null || referenceB == null) throw new IllegalStateException("ScoreTable: setReferences is required");
            return new ScoreTable(this);
        }
    }
}
