package org.permerge.merge;

import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import org.permerge.correlate.StatisticsView;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.checkpoint.Provenance;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.model.EncoderConfig;
import org.permerge.permute.PermutationSpec;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One merge, end to end from accumulated statistics: match the recipe's spaces, permute B, interpolate with
 * λ, optionally REPAIR, and keep the diagnostics and provenance; {@link Result#save(Path)} writes a Hugging
 * Face folder. The merged model takes model A's preprocessing.
 */
public final class ModelMerge {
    private final EncoderCheckpoint a;
    private final EncoderCheckpoint b;
    private final StatisticsView stats;
    private final MergeRecipe recipe;
    private final Lambda lambda;
    private final Repair.Mode repair;
    private final CalibrationAudio repairAudio;
    private final AlignmentStatistics.ResidualPooling pooling;
    private final Provenance base;
    private final Map<String, String> provenance;
    private final Alignment alignment;
    private final String hashA;
    private final String hashB;

    private ModelMerge(Builder x) {
        this.a = Objects.requireNonNull(x.a, "setModelA is required");
        this.b = Objects.requireNonNull(x.b, "setModelB is required");
        this.stats = Objects.requireNonNull(x.stats, "setStatistics is required");
        this.recipe = Objects.requireNonNull(x.recipe, "setRecipe is required");
        this.lambda = Objects.requireNonNull(x.lambda, "setLambda is required");
        this.repair = x.repair;
        this.repairAudio = x.repairAudio;
        this.pooling = x.pooling;
        this.base = x.base;
        this.provenance = x.provenance;
        this.alignment = x.alignment;
        if (alignment != null) checkAlignment(alignment, recipe, a.config());
        if (repair == Repair.Mode.MEASURED && repairAudio == null) {
            throw new IllegalArgumentException("measured REPAIR needs calibration audio (optRepair(MEASURED, audio))");
        }
        if (!a.config().equals(stats.configA())) {
            throw new IllegalArgumentException("the statistics were measured with another model A architecture (" + stats.configA()
                    + ") than the given model A (" + a.config() + ")");
        }
        if (!b.config().equals(stats.configB())) {
            throw new IllegalArgumentException("the statistics were measured with another model B architecture (" + stats.configB()
                    + ") than the given model B (" + b.config() + ")");
        }
        if (!sameShapes(a.config(), b.config())) {
            throw new IllegalArgumentException("models A and B must have the same layer shapes: " + a.config() + " vs " + b.config());
        }
        StatisticsProvenance origin = stats.origin();
        this.hashA = a.inferenceHash();
        this.hashB = b.inferenceHash();
        checkWeights(origin, hashA, hashB, a.source(), b.source());
    }

    /**
     * Refuses statistics measured on other weights than the models given (architecture alone cannot tell: with
     * A and B swapped, matching still reports correlation 1 and the merge is wrong). Statistics without
     * recorded hashes (built in memory by the caller) pass; every statistics file written here records them.
     */
    static void checkWeights(StatisticsProvenance origin, String hashA, String hashB, String sourceA, String sourceB) {
        List<String> wrong = new ArrayList<>();
        if (origin.modelASha256() != null && !origin.modelASha256().equals(hashA)) {
            wrong.add("model A: the statistics were measured on weights with sha256 " + origin.modelASha256() + " ("
                    + origin.modelA() + "), the given model A (" + sourceA + ") has sha256 " + hashA);
        }
        if (origin.modelBSha256() != null && !origin.modelBSha256().equals(hashB)) {
            wrong.add("model B: the statistics were measured on weights with sha256 " + origin.modelBSha256() + " ("
                    + origin.modelB() + "), the given model B (" + sourceB + ") has sha256 " + hashB);
        }
        if (wrong.isEmpty()) return;
        boolean swapped = hashB.equals(origin.modelASha256()) && hashA.equals(origin.modelBSha256());
        throw new IllegalArgumentException("the statistics do not belong to these models: " + String.join("; ", wrong)
                + (swapped ? " (A and B are swapped)" : "") + ". Re-run `permerge stats` for this pair.");
    }

    /**
     * A precomputed alignment must be the recipe's (same permuted spaces) and fit the encoder's spaces: an
     * alignment of another recipe would silently merge with the wrong permutations.
     */
    static void checkAlignment(Alignment al, MergeRecipe recipe, EncoderConfig c) {
        if (al.recipe() != recipe) {
            throw new IllegalArgumentException("the given alignment was solved for recipe " + al.recipe().label()
                    + ", but the merge's recipe is " + recipe.label());
        }
        PermutationSpec.hubert(c).validate(al.permutations());
    }

    private static boolean sameShapes(EncoderConfig x, EncoderConfig y) {
        return PermutationSpec.hubert(x).tensors().keySet().equals(PermutationSpec.hubert(y).tensors().keySet())
                && x.hiddenSize() == y.hiddenSize() && x.intermediateSize() == y.intermediateSize()
                && java.util.Arrays.equals(x.convDim(), y.convDim()) && x.numAttentionHeads() == y.numAttentionHeads();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private EncoderCheckpoint a;
        private EncoderCheckpoint b;
        private StatisticsView stats;
        private MergeRecipe recipe;
        private Lambda lambda;
        private Repair.Mode repair = Repair.Mode.NONE;
        private CalibrationAudio repairAudio;
        private AlignmentStatistics.ResidualPooling pooling = AlignmentStatistics.ResidualPooling.ALL;
        private final Map<String, String> provenance = new LinkedHashMap<>();
        private Provenance base = Provenance.of();
        private Alignment alignment;

        private Builder() {}

        /**
         * An alignment already solved for this recipe on the same statistics (e.g. {@link Alignment#solve}): a λ
         * sweep solves each recipe once instead of once per merge. It must be the recipe's, solved with this merge's
         * residual pooling (the one its provenance records).
         */
        public Builder optAlignment(Alignment al) {
            this.alignment = Objects.requireNonNull(al);
            return this;
        }

        /** The reference model (kept unpermuted; its preprocessing is the merged model's). */
        public Builder setModelA(EncoderCheckpoint m) {
            this.a = m;
            return this;
        }

        /** The model that is permuted toward A. */
        public Builder setModelB(EncoderCheckpoint m) {
            this.b = m;
            return this;
        }

        /** Statistics of A and B on the same calibration audio. */
        public Builder setStatistics(StatisticsView s) {
            this.stats = s;
            return this;
        }

        public Builder setStatistics(AlignmentStatistics s) {
            return setStatistics(StatisticsView.of(s));
        }

        public Builder setRecipe(MergeRecipe r) {
            this.recipe = r;
            return this;
        }

        public Builder setLambda(Lambda l) {
            this.lambda = l;
            return this;
        }

        /** REPAIR mode; measured REPAIR runs the merged model over {@code audio} (null otherwise). */
        public Builder optRepair(Repair.Mode mode, CalibrationAudio audio) {
            this.repair = Objects.requireNonNull(mode);
            this.repairAudio = audio;
            return this;
        }

        /** Which hidden states the residual space is matched on (default: pooled over all). */
        public Builder optResidualPooling(AlignmentStatistics.ResidualPooling p) {
            this.pooling = Objects.requireNonNull(p);
            return this;
        }

        /** Calibration manifest and its checksum, recorded in the output's provenance. */
        public Builder optCalibration(String manifest, String sha256) {
            provenance.put("calibration.manifest", manifest);
            provenance.put("calibration.sha256", sha256);
            return this;
        }

        /**
         * The run this merge is part of (command line, start, threads, seeds ...), which the output's provenance
         * completes (default: nothing recorded but this version).
         */
        public Builder optProvenance(Provenance run) {
            this.base = Objects.requireNonNull(run);
            return this;
        }

        /** Any further provenance entry, read under {@link Provenance}'s keys. */
        public Builder optProvenance(String key, String value) {
            provenance.put(key, value);
            return this;
        }

        public ModelMerge build() {
            return new ModelMerge(this);
        }
    }

    /** The merged model with what was done to make it. */
    public record Result(EncoderCheckpoint merged, Alignment alignment, List<Repair.SpaceRepair> repairs, Provenance provenance) {
        /** The diagnostics table (see {@link MergeDiagnostics}). */
        public Table diagnostics() {
            return MergeDiagnostics.table(alignment, repairs);
        }

        /** Writes the Hugging Face folder with the provenance (its elapsed time counted to now). */
        public void save(Path dir) {
            merged.save(dir, provenance.finished());
        }
    }

    /** Runs the merge. */
    public Result run() {
        EncoderConfig c = a.config();
        Alignment alignment = this.alignment != null ? this.alignment : Alignment.solve(stats, recipe, pooling);
        // Everything that reads statistics runs before the weights are touched: peak memory stays one of the two.
        List<Repair.Fold> plan = repair == Repair.Mode.CLOSED ? Repair.closedFormPlan(stats, alignment.permutations(), lambda) : null;
        StateDict merged = Interpolation.interpolate(PermutationSpec.hubert(c), a.weights(), b.weights(), alignment.permutations(), lambda);
        List<Repair.SpaceRepair> repairs = new ArrayList<>();
        switch (repair) {
            case CLOSED -> repairs.addAll(Repair.apply(merged, plan));
            case MEASURED -> repairs.addAll(Repair.measured(merged, stats, alignment.permutations(), lambda, repairAudio, a.preprocessor()));
            case NONE -> { }
        }
        if (repair != Repair.Mode.NONE) repairs.addAll(Repair.notApplicable(c));
        // masked_spec_embed is written only where A's file had it, and a stand-in for a B without one is not mixed in.
        if (!b.storesMaskedSpecEmbed()) merged.put(EncoderCheckpoint.MASKED_SPEC_EMBED, a.weights().get(EncoderCheckpoint.MASKED_SPEC_EMBED));
        EncoderCheckpoint out = a.derive(merged);
        return new Result(out, alignment, repairs, provenance(out));
    }

    /**
     * The merge's provenance: the run's, both models with their weight hashes, the merge's settings, the statistics'
     * origin (under {@code statistics.}) and frames per space, entries given to the builder, and the calibration
     * manifest the statistics record unless one was given.
     */
    private Provenance provenance(EncoderCheckpoint out) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("recipe", recipe.label());
        settings.put("lambda", lambda.toString());
        settings.put("repair", repair.label());
        settings.put("residual_pooling", pooling.name().toLowerCase(java.util.Locale.ROOT));
        Map<String, String> frames = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : stats.framesPerSpace().entrySet()) frames.put(e.getKey(), e.getValue().toString());
        StatisticsProvenance origin = stats.origin();
        Provenance p = base.withModel("A", a.source(), hashA).withModel("B", b.source(), hashB).withStep("merge", settings)
                .withStep("statistics", origin.toMetadata()).withStep("frames", frames).with(provenance);
        if (p.precision() == null) p = p.withPrecision(Provenance.precisionOf(out.weights()));
        if (!p.data().containsKey("calibration")) p = p.withData("calibration", origin.manifest(), origin.manifestSha256());
        return p;
    }
}
