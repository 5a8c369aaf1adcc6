package org.permerge.merge;

import org.permerge.correlate.StatisticsView;
import ai.djl.ndarray.NDArray;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.CrossCorrelation;
import org.permerge.correlate.UnitStatistics;
import org.permerge.extract.FrameTapConsumer;
import org.permerge.model.EncoderConfig;
import org.permerge.model.HubertEncoder;
import org.permerge.model.ParameterLayout;
import org.permerge.model.TensorRole;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;
import org.permerge.permute.Space;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * REPAIR (Jordan et al. 2023; METHOD.md "Beyond the paper"): interpolated networks lose per-unit variance,
 * so each repairable unit is rescaled z → a(z − μ) + μ_goal with a = σ_goal/σ, where the goal is the
 * interpolation of the endpoints' statistics (μ_goal = λμ_A + (1−λ)μ_B, σ_goal = λσ_A + (1−λ)σ_B, B's unit
 * being the one matched to A's). The rescaling is folded into the producer's weight rows and bias, so it
 * applies only where the producer has a bias and the unit is not re-normalised right after: the FFN
 * intermediate ({@code ffn.L}, before GELU) and the attention values ({@code attn.L}; measured at the
 * out_proj input, which is an affine image of the values since attention weights sum to one).
 * The merged unit's σ and μ come either from a closed form on the statistics the matcher already has
 * ({@link Mode#CLOSED}: σ² = λ²σ_A² + (1−λ)²σ_B² + 2λ(1−λ)ρσ_Aσ_B, ρ the matched pre-activation
 * correlation) or from one forward pass of the merged model over calibration clips ({@link Mode#MEASURED}).
 */
public final class Repair {
    /** Whether and how to repair. */
    public enum Mode {
        NONE, CLOSED, MEASURED;

        /** Parses {@code none}, {@code closed} or {@code measured}. */
        public static Mode parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown REPAIR mode '" + s + "'; expected none, closed or measured");
            }
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A repairable group of units.
     *
     * @param space     the space of the units ({@code ffn.L} or {@code attn.L})
     * @param weight    the producer weight whose rows are the units
     * @param bias      the producer bias
     * @param tap       where the unit's (pre-activation) statistics are measured
     * @param component which λ applies
     */
    public record Site(String space, String weight, String bias, String tap, Component component) {}

    /** What REPAIR did for one space. */
    public record SpaceRepair(String space, boolean applied, String note, double meanScale, double meanRelativeStdGapBefore) {}

    private Repair() {}

    /**
     * The repairable sites of an encoder, read from the tensor table ({@link TensorRole#isRepairSite()}): every FFN
     * intermediate and attention value space, layer by layer (FFN first).
     */
    public static List<Site> sites(EncoderConfig c) {
        List<TensorRole.Classified> producers = new ArrayList<>();
        for (String n : ParameterLayout.expectedShapes(c).keySet()) {
            TensorRole.Classified t = TensorRole.classify(n);
            if (t.role().isRepairSite()) producers.add(t);
        }
        producers.sort(java.util.Comparator.comparingInt(TensorRole.Classified::index).thenComparing(t -> t.role().component().equals("ffn") ? 0 : 1));
        List<Site> out = new ArrayList<>();
        for (TensorRole.Classified t : producers) {
            out.add(new Site(t.repairSpace(c), t.tensor(), t.repairBias(), t.repairTap(), Component.parse(t.role().component())));
        }
        return out;
    }

    /** Why REPAIR does not apply to a space (null when it does). */
    public static String notApplicableReason(EncoderConfig c, String space) {
        for (Site s : sites(c)) if (s.space().equals(space)) return null;
        if (space.startsWith("cnn.")) {
            int i = Integer.parseInt(space.substring(4));
            if (c.isLayerNormLayout()) return "re-normalised right after by the block's LayerNorm";
            if (i == 0) return "re-normalised right after by the GroupNorm";
            return "the conv has no bias to fold the shift into";
        }
        if (space.startsWith("qk.")) return "queries/keys only set attention logits; not a REPAIR site (METHOD.md)";
        if (space.equals(PermutationSpec.RESIDUAL)) return "the residual stream is re-normalised by LayerNorm";
        throw new IllegalArgumentException("unknown space '" + space + "'");
    }

    /** The goal statistics of the merged units: endpoint means and stds interpolated, B's taken at the matched units. */
    static double[][] goal(double lambda, double[] meanA, double[] stdA, double[] meanB, double[] stdB, int[] match) {
        int d = meanA.length;
        double[] mu = new double[d], sd = new double[d];
        for (int i = 0; i < d; i++) {
            mu[i] = lambda * meanA[i] + (1 - lambda) * meanB[match[i]];
            sd[i] = lambda * stdA[i] + (1 - lambda) * stdB[match[i]];
        }
        return new double[][] {mu, sd};
    }

    /** The closed-form std of λ·z_A + (1−λ)·z_B for unit pairs with the given stds and correlation. */
    public static double closedFormStd(double lambda, double stdA, double stdB, double rho) {
        double v = lambda * lambda * stdA * stdA + (1 - lambda) * (1 - lambda) * stdB * stdB
                + 2 * lambda * (1 - lambda) * rho * stdA * stdB;
        return Math.sqrt(Math.max(v, 0));
    }

    /**
     * Closed-form REPAIR of a merged state dict in place, from the pre-activation statistics of the
     * calibration run ({@link AlignmentStatistics.PreActivation#CORRELATION} mode is needed for ρ).
     */
    public static List<SpaceRepair> closedForm(StateDict merged, AlignmentStatistics stats, Permutations perms, Lambda lambda) {
        return closedForm(merged, StatisticsView.of(stats), perms, lambda);
    }

    /** Closed-form REPAIR from a statistics view (e.g. a lazily read {@link StatisticsFile}). */
    public static List<SpaceRepair> closedForm(StateDict merged, StatisticsView stats, Permutations perms, Lambda lambda) {
        return apply(merged, closedFormPlan(stats, perms, lambda));
    }

    /**
     * What closed-form REPAIR will fold into each site, computed from the statistics alone — before the merged
     * weights exist, so that a base-size merge never holds the statistics and the weights at the same time.
     */
    public static List<Fold> closedFormPlan(StatisticsView stats, Permutations perms, Lambda lambda) {
        EncoderConfig c = stats.configA();
        PermutationSpec spec = PermutationSpec.hubert(c);
        List<Fold> out = new ArrayList<>();
        for (Site site : sites(c)) {
            CrossCorrelation pre = stats.preActivation(site.space());
            if (pre == null) {
                throw new IllegalArgumentException("closed-form REPAIR of " + site.space() + " needs the pre-activation correlation, but the"
                        + " statistics were accumulated with pre-activation mode UNITS; use measured REPAIR or recollect");
            }
            int[] match = perms.effective(spec.space(site.space()));
            double lam = lambda.of(site.component());
            double[] muA = pre.meanA(), muB = pre.meanB(), sdA = sqrt(pre.varianceA()), sdB = sqrt(pre.varianceB());
            double[] corr = pre.correlation();
            int d = muA.length;
            double[][] g = goal(lam, muA, sdA, muB, sdB, match);
            double[] sdNow = new double[d];
            for (int i = 0; i < d; i++) sdNow[i] = closedFormStd(lam, sdA[i], sdB[match[i]], corr[i * d + match[i]]);
            // Under the closed form's assumption the merged mean is already the goal mean.
            out.add(new Fold(site, g[0], sdNow, g[0], g[1]));
        }
        return out;
    }

    /** Applies planned folds to merged weights in place. */
    public static List<SpaceRepair> apply(StateDict merged, List<Fold> plan) {
        List<SpaceRepair> out = new ArrayList<>();
        for (Fold f : plan) out.add(fold(merged, f.site(), f.mean(), f.std(), f.goalMean(), f.goalStd()));
        return out;
    }

    /**
     * One site's rescaling: units with current mean/std are moved to the goal mean/std.
     */
    public record Fold(Site site, double[] mean, double[] std, double[] goalMean, double[] goalStd) {}

    /**
     * Measured REPAIR in place: one forward pass of the merged model over calibration audio (through the
     * extraction step, with model A's preprocessing) gives each unit's actual mean and std, which are then
     * moved to the goal. All sites are measured in the same pass, so a site's correction does not see the
     * corrections upstream of it.
     */
    public static List<SpaceRepair> measured(StateDict merged, AlignmentStatistics stats, Permutations perms, Lambda lambda,
                                             CalibrationAudio audio, Preprocessor preprocessor) {
        return measured(merged, StatisticsView.of(stats), perms, lambda, audio, preprocessor);
    }

    /**
     * Measured REPAIR over clips already prepared for model A (at its rate, normalised if it normalises),
     * run through the extraction step about {@code batchSize} clips at a time.
     */
    public static List<SpaceRepair> measured(StateDict merged, AlignmentStatistics stats, Permutations perms, Lambda lambda,
                                             List<float[]> preparedClips, int batchSize) {
        CalibrationAudio audio = CalibrationAudio.prepared(preparedClips, batchSize);
        return measured(merged, StatisticsView.of(stats), perms, lambda, audio, new Preprocessor(16_000, false));
    }

    /** Measured REPAIR with the goal statistics from a statistics view. */
    public static List<SpaceRepair> measured(StateDict merged, StatisticsView stats, Permutations perms, Lambda lambda,
                                             CalibrationAudio audio, Preprocessor preprocessor) {
        EncoderConfig c = stats.configA();
        List<Site> sites = sites(c);
        Map<String, UnitStatistics> now = measure(c, merged, sites, audio, preprocessor);
        PermutationSpec spec = PermutationSpec.hubert(c);
        List<SpaceRepair> out = new ArrayList<>();
        for (Site site : sites) {
            UnitStatistics ua = stats.preActivationUnits(site.space(), true);
            UnitStatistics ub = stats.preActivationUnits(site.space(), false);
            int[] match = perms.effective(spec.space(site.space()));
            double[][] g = goal(lambda.of(site.component()), ua.mean(), ua.std(), ub.mean(), ub.std(), match);
            UnitStatistics m = now.get(site.tap());
            out.add(fold(merged, site, m.mean(), m.std(), g[0], g[1]));
        }
        return out;
    }

    /** Per-unit statistics of the sites' taps of a model over calibration audio (real frames only). */
    public static Map<String, UnitStatistics> measure(EncoderConfig c, StateDict weights, List<Site> sites, CalibrationAudio audio,
                                                      Preprocessor preprocessor) {
        Map<String, UnitStatistics> stats = new LinkedHashMap<>();
        for (Site s : sites) stats.put(s.tap(), new UnitStatistics(s.tap(), (int) weights.get(s.bias()).numel()));
        try (HubertEncoder enc = HubertEncoder.create(c, weights)) {
            audio.extract(enc, preprocessor, new FrameTapConsumer() {
                @Override
                public void accept(String tap, NDArray frames) {
                    stats.get(tap).update(frames);
                }

                @Override
                public boolean wants(String tap) {
                    return stats.containsKey(tap);
                }
            });
        }
        return stats;
    }

    /** Folds z → a(z − μ) + μ_goal into the site's weight rows and bias; dead units (σ = 0) keep a = 1. */
    static SpaceRepair fold(StateDict merged, Site site, double[] mean, double[] std, double[] goalMean, double[] goalStd) {
        Tensor w = merged.get(site.weight());
        Tensor b = merged.get(site.bias());
        int d = (int) b.numel();
        int cols = (int) (w.numel() / d);
        float[] wv = w.toFloatArray();
        float[] bv = b.toFloatArray();
        double scaleSum = 0, gapSum = 0;
        int live = 0;
        for (int i = 0; i < d; i++) {
            double a = std[i] > 0 && goalStd[i] > 0 ? goalStd[i] / std[i] : 1;
            for (int j = 0; j < cols; j++) wv[i * cols + j] = (float) (a * wv[i * cols + j]);
            bv[i] = (float) (a * (bv[i] - mean[i]) + goalMean[i]);
            if (goalStd[i] > 0) {
                scaleSum += a;
                gapSum += Math.abs(std[i] - goalStd[i]) / goalStd[i];
                live++;
            }
        }
        merged.put(site.weight(), Tensor.ofFloats(w.shape(), wv));
        merged.put(site.bias(), Tensor.ofFloats(b.shape(), bv));
        return new SpaceRepair(site.space(), true, (d - live) + " dead units left as they are",
                live == 0 ? 1 : scaleSum / live, live == 0 ? 0 : gapSum / live);
    }

    /** Rows for every space where REPAIR does not apply, with the reason. */
    public static List<SpaceRepair> notApplicable(EncoderConfig c) {
        List<SpaceRepair> out = new ArrayList<>();
        for (Space s : PermutationSpec.hubert(c).spaces().values()) {
            String why = notApplicableReason(c, s.name());
            if (why != null) out.add(new SpaceRepair(s.name(), false, "not applicable: " + why, Double.NaN, Double.NaN));
        }
        return out;
    }

    private static double[] sqrt(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = Math.sqrt(Math.max(v[i], 0));
        return o;
    }
}
