package org.permerge.merge;

import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import me.tongfei.progressbar.ProgressBar;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.TapStatistics;
import org.permerge.io.Progress;
import org.permerge.model.EncoderCheckpoint;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Task-free views of merges of one pair: each merge ({@link ModelMerge}) is run over the same clips and its last
 * hidden state compared with A's and with B's ({@link OutputSimilarity}). Gives the interpolation curves along λ
 * (plain interpolation vs permutation, REPAIR off and on) and the one-row-per-recipe ablation.
 */
public final class SimilaritySweep {

    /** One curve of the λ sweep: a name, the recipe that aligns B, and the REPAIR mode. */
    public record Setting(String name, MergeRecipe recipe, Repair.Mode repair) {
        public Setting {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(recipe, "recipe");
            Objects.requireNonNull(repair, "repair");
        }
    }

    /**
     * One merge at one λ: how many spaces its recipe permuted, their mean matched correlation, and the mean cosine
     * of its last hidden state to A's and to B's (B in its own unit order).
     */
    public record RecipeRow(String recipe, double lambda, int spacesPermuted, double meanMatchedCorrelation,
                            double cosineToA, double cosineToB) {}

    /** The paper's three curves: plain interpolation, permutation of every space, and the same with REPAIR. */
    public static final List<Setting> STANDARD_CURVES = List.of(
            new Setting("linear (identity)", MergeRecipe.IDENTITY, Repair.Mode.NONE),
            new Setting("permutation (cnn+all)", MergeRecipe.CNN_ALL, Repair.Mode.NONE),
            new Setting("permutation + REPAIR", MergeRecipe.CNN_ALL, Repair.Mode.CLOSED));

    private final EncoderCheckpoint a;
    private final EncoderCheckpoint b;
    private final AlignmentStatistics stats;
    private final List<float[]> clips;
    private final int sampleRate;
    private final Progress progress;
    private float[][] refA;
    private float[][] refB;

    private SimilaritySweep(EncoderCheckpoint a, EncoderCheckpoint b, AlignmentStatistics stats, List<float[]> clips,
                            int sampleRate, Progress progress) {
        this.a = Objects.requireNonNull(a, "model A");
        this.b = Objects.requireNonNull(b, "model B");
        this.stats = Objects.requireNonNull(stats, "statistics");
        if (clips == null || clips.isEmpty()) {
            throw new IllegalArgumentException("the similarity sweep needs at least one clip to compare outputs on");
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be > 0, got " + sampleRate);
        }
        this.clips = List.copyOf(clips);
        this.sampleRate = sampleRate;
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * A sweep of merges of {@code a} and {@code b} aligned by {@code stats}, compared on {@code clips} (prepared for
     * A, at {@code sampleRate}); progress goes to {@link Progress#standard()}.
     */
    public static SimilaritySweep of(EncoderCheckpoint a, EncoderCheckpoint b, AlignmentStatistics stats,
                                     List<float[]> clips, int sampleRate) {
        return new SimilaritySweep(a, b, stats, clips, sampleRate, Progress.standard());
    }

    /** The same sweep reporting its progress to {@code progress}. */
    public SimilaritySweep withProgress(Progress progress) {
        return new SimilaritySweep(a, b, stats, clips, sampleRate, progress);
    }

    /** The merge of the setting at {@code lambda} (weight of A). */
    public EncoderCheckpoint merge(MergeRecipe recipe, double lambda, Repair.Mode repair) {
        return run(recipe, lambda, repair).merged();
    }

    private ModelMerge.Result run(MergeRecipe recipe, double lambda, Repair.Mode repair) {
        ModelMerge.Builder builder = ModelMerge.builder().setModelA(a).setModelB(b).setStatistics(stats)
                .setRecipe(recipe).setLambda(Lambda.global(lambda));
        if (repair != Repair.Mode.NONE) {
            builder.optRepair(repair, CalibrationAudio.of(clips, sampleRate));
        }
        return builder.build().run();
    }

    /** Mean cosine of the merge's last hidden state to A's, per λ, for each setting (rounded as tables show). */
    public Map<String, double[]> curves(List<Setting> settings, double[] lambdas) {
        if (settings.isEmpty() || lambdas.length == 0) {
            throw new IllegalArgumentException("the λ sweep needs at least one setting and one λ");
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        try (ProgressBar bar = progress.start("merges", (long) settings.size() * lambdas.length)) {
            for (Setting s : settings) {
                double[] y = new double[lambdas.length];
                for (int i = 0; i < lambdas.length; i++) {
                    EncoderCheckpoint merged = merge(s.recipe(), lambdas[i], s.repair());
                    y[i] = TapStatistics.round(OutputSimilarity.meanCosine(OutputSimilarity.lastHiddenState(merged, clips), referenceA()));
                    bar.step();
                }
                if (out.put(s.name(), y) != null) {
                    throw new IllegalArgumentException("two settings are named " + s.name());
                }
            }
        }
        return out;
    }

    /** {@code curves} as a table named {@code name}: a λ column, then one column per setting. */
    public static Table curveTable(String name, double[] lambdas, Map<String, double[]> curves) {
        Table t = Table.create(name, DoubleColumn.create("λ", lambdas));
        curves.forEach((k, v) -> t.addColumns(DoubleColumn.create(k, v)));
        return t;
    }

    /** The merge of {@code recipe} at {@code lambda} (no REPAIR), compared with both parents. */
    public RecipeRow recipe(MergeRecipe recipe, double lambda) {
        ModelMerge.Result merge = run(recipe, lambda, Repair.Mode.NONE);
        List<Alignment.SpaceMatch> permuted = merge.alignment().matches().stream().filter(Alignment.SpaceMatch::permuted).toList();
        float[][] out = OutputSimilarity.lastHiddenState(merge.merged(), clips);
        return new RecipeRow(recipe.label(), lambda, permuted.size(),
                TapStatistics.round(permuted.stream().mapToDouble(Alignment.SpaceMatch::meanCorrelationAfter).average().orElse(Double.NaN)),
                TapStatistics.round(OutputSimilarity.meanCosine(out, referenceA())),
                TapStatistics.round(OutputSimilarity.meanCosine(out, referenceB())));
    }

    /** {@link #recipe} for each of {@code recipes}, in order. */
    public List<RecipeRow> recipes(List<MergeRecipe> recipes, double lambda) {
        List<RecipeRow> rows = new ArrayList<>();
        try (ProgressBar bar = progress.start("recipes", recipes.size())) {
            for (MergeRecipe r : recipes) {
                rows.add(recipe(r, lambda));
                bar.step();
            }
        }
        return rows;
    }

    /** Recipe rows as a table named {@code name}. */
    public static Table recipeTable(String name, List<RecipeRow> rows) {
        return Table.create(name, StringColumn.create("recipe", rows.stream().map(RecipeRow::recipe).toList()),
                IntColumn.create("spaces permuted", rows.stream().mapToInt(RecipeRow::spacesPermuted).toArray()),
                DoubleColumn.create("mean matched corr", rows.stream().mapToDouble(RecipeRow::meanMatchedCorrelation).toArray()),
                DoubleColumn.create("cos to A", rows.stream().mapToDouble(RecipeRow::cosineToA).toArray()),
                DoubleColumn.create("cos to B (own order)", rows.stream().mapToDouble(RecipeRow::cosineToB).toArray()));
    }

    private float[][] referenceA() {
        if (refA == null) refA = OutputSimilarity.lastHiddenState(a, clips);
        return refA;
    }

    private float[][] referenceB() {
        if (refB == null) refB = OutputSimilarity.lastHiddenState(b, clips);
        return refB;
    }
}
