package org.permerge.match;

import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.CrossCorrelation;
import org.permerge.correlate.StatisticsView;
import org.permerge.model.EncoderConfig;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;
import org.permerge.permute.Space;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Step 3 for a whole model: the permutations a {@link MergeRecipe} asks for, solved from accumulated
 * {@link AlignmentStatistics} — a linear assignment maximising total correlation for {@code cnn.i} and
 * {@code ffn.L}, head-aware matching for {@code attn.L} (whose head order then also drives {@code qk.L}),
 * group-aware matching for the residual stream — with what each space's matching achieved.
 */
public final class Alignment {
    /**
     * What matching did in one space.
     *
     * @param space              the space name
     * @param units              its size
     * @param permuted           whether the recipe permutes it
     * @param movedFraction      fraction of units whose position changed (the paper's Table II)
     * @param meanCorrelationBefore mean correlation of unit i of A with unit i of B (identity matching)
     * @param meanCorrelationAfter  mean correlation of the matched pairs
     * @param blockOrder         for head/group-structured spaces the B block matched to each A block, else null
     * @param frames             calibration frames behind the statistics
     */
    public record SpaceMatch(String space, int units, boolean permuted, double movedFraction, double meanCorrelationBefore,
                             double meanCorrelationAfter, int[] blockOrder, long frames) {}

    private final MergeRecipe recipe;
    private final Permutations permutations;
    private final List<SpaceMatch> matches;

    private final Map<String, int[]> dead;

    private Alignment(MergeRecipe recipe, Permutations permutations, List<SpaceMatch> matches, Map<String, int[]> dead) {
        this.recipe = recipe;
        this.permutations = permutations;
        this.matches = List.copyOf(matches);
        this.dead = dead;
    }

    /**
     * Spaces with dead units (see {@code correlate.UnitStatistics#deadUnits}), each with the count of dead units
     * of A and of B; they were left in place by the matching ({@link LiveUnitMatching}).
     */
    public Map<String, int[]> deadUnits() {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : dead.entrySet()) out.put(e.getKey(), e.getValue().clone());
        return out;
    }

    /** Solves the recipe's spaces from the statistics (residual pooled over every hidden state). */
    public static Alignment solve(AlignmentStatistics stats, MergeRecipe recipe) {
        return solve(StatisticsView.of(stats), recipe, AlignmentStatistics.ResidualPooling.ALL);
    }

    /** Solves the recipe's spaces; the residual stream is correlated with the given pooling. */
    public static Alignment solve(StatisticsView stats, MergeRecipe recipe, AlignmentStatistics.ResidualPooling pooling) {
        EncoderConfig c = stats.configA();
        PermutationSpec spec = PermutationSpec.hubert(c);
        List<String> chosen = recipe.spaces(c);
        Map<String, int[]> perms = new LinkedHashMap<>();
        Map<String, int[]> blockOrders = new LinkedHashMap<>();
        Map<String, Long> frames = stats.framesPerSpace();
        List<SpaceMatch> matches = new ArrayList<>();
        Map<String, int[]> dead = new LinkedHashMap<>();
        // Spec order puts attn.L before qk.L, whose head order it drives. Each correlation matrix is dropped as
        // soon as its space is done: the FFN ones are 72 MB each at base size.
        for (String name : spec.spaces().keySet()) {
            Space s = spec.space(name);
            Scores sc = correlationOf(stats, s, pooling);
            double[] corr = sc.correlation();
            boolean[] deadA = sc.deadA();
            boolean[] deadB = sc.deadB();
            int d = s.size();
            int nDeadA = count(deadA);
            int nDeadB = count(deadB);
            if (nDeadA + nDeadB > 0) dead.put(name, new int[] {nDeadA, nDeadB});
            if (nDeadA + nDeadB == 0) {
                deadA = null; // no dead unit: the plain matchers, exactly as before
                deadB = null;
            }
            if (chosen.contains(name)) {
                switch (s.family()) {
                    case "cnn", "ffn" -> perms.put(name, deadA == null ? LinearAssignment.solve(corr, d, d, true).rowToCol()
                            : LiveUnitMatching.solve(corr, d, deadA, deadB));
                    case "attn" -> {
                        HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchHeads(corr, s.blocks(), s.blockSize(), deadA, deadB);
                        perms.put(name, m.perm());
                        blockOrders.put(name, m.blockPerm());
                    }
                    case "residual" -> {
                        HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchGroups(corr, s.blocks(), s.blockSize(), deadA, deadB);
                        perms.put(name, m.perm());
                        blockOrders.put(name, m.blockPerm());
                    }
                    case "qk" -> {
                        int l = Integer.parseInt(name.substring(3));
                        int[] heads = blockOrders.getOrDefault(s.blockOrderFrom(), Permutations.identity(s.blocks()));
                        HeadAwareMatching.BlockMatching m = HeadAwareMatching.matchQueryKey(sc.query(), sc.key(), heads,
                                s.blocks(), s.blockSize(), deadA, deadB);
                        // Stored as within-head permutations; the head order comes from attn.L (Permutations#effective).
                        int[] within = new int[d];
                        for (int h = 0; h < s.blocks(); h++) {
                            for (int r = 0; r < s.blockSize(); r++) within[h * s.blockSize() + r] = h * s.blockSize() + m.withinPerms()[h][r];
                        }
                        perms.put(name, within);
                        blockOrders.put(name, heads.clone());
                    }
                    default -> throw new IllegalStateException("no matcher for space " + name);
                }
            }
            Map<String, int[]> local = new LinkedHashMap<>();
            if (perms.containsKey(name)) local.put(name, perms.get(name));
            if (s.withinBlocks() && perms.containsKey(s.blockOrderFrom())) local.put(s.blockOrderFrom(), perms.get(s.blockOrderFrom()));
            int[] eff = Permutations.of(local).effective(s);
            matches.add(new SpaceMatch(name, d, chosen.contains(name), Permutations.movedFraction(eff),
                    meanMatched(corr, Permutations.identity(d)), meanMatched(corr, eff), blockOrders.get(name),
                    frames.getOrDefault(name, 0L)));
        }
        Permutations p = Permutations.of(perms);
        spec.validate(p);
        return new Alignment(recipe, p, matches, dead);
    }

    private static int count(boolean[] m) {
        int n = 0;
        for (boolean x : m) if (x) n++;
        return n;
    }

    /** A space's correlation (for qk.L the mean of query and key, which are kept too) and its dead units. */
    private record Scores(double[] correlation, boolean[] deadA, boolean[] deadB, double[] query, double[] key) {}

    /**
     * The correlation a space is matched on, with its dead units; for qk.L the mean of its query and key
     * correlations, a unit being dead when it is dead in both.
     */
    private static Scores correlationOf(StatisticsView stats, Space s, AlignmentStatistics.ResidualPooling pooling) {
        int d = s.size();
        if (s.family().equals("qk")) {
            int l = Integer.parseInt(s.name().substring(3));
            CrossCorrelation qc = stats.query(l);
            CrossCorrelation kc = stats.key(l);
            double[] q = qc.correlation();
            double[] k = kc.correlation();
            double[] m = new double[q.length];
            for (int i = 0; i < m.length; i++) m[i] = 0.5 * (q[i] + k[i]);
            return new Scores(m, both(qc.deadUnitsA(), kc.deadUnitsA(), d), both(qc.deadUnitsB(), kc.deadUnitsB(), d), q, k);
        }
        CrossCorrelation cc = s.name().equals(PermutationSpec.RESIDUAL) ? stats.residual(pooling) : stats.correlation(s.name());
        return new Scores(cc.correlation(), LiveUnitMatching.mask(cc.deadUnitsA(), d), LiveUnitMatching.mask(cc.deadUnitsB(), d),
                null, null);
    }

    private static boolean[] both(int[] x, int[] y, int d) {
        boolean[] mx = LiveUnitMatching.mask(x, d);
        boolean[] my = LiveUnitMatching.mask(y, d);
        for (int i = 0; i < d; i++) mx[i] &= my[i];
        return mx;
    }

    /** Mean of corr[i, perm[i]] over a square row-major matrix. */
    static double meanMatched(double[] corr, int[] perm) {
        int d = perm.length;
        double sum = 0;
        for (int i = 0; i < d; i++) sum += corr[i * d + perm[i]];
        return sum / d;
    }

    public MergeRecipe recipe() {
        return recipe;
    }

    /** The permutations to apply to model B. */
    public Permutations permutations() {
        return permutations;
    }

    /** Per-space results, in spec order (every space; unpermuted ones have moved fraction 0). */
    public List<SpaceMatch> matches() {
        return matches;
    }

    /** The result for one space. */
    public SpaceMatch match(String space) {
        for (SpaceMatch m : matches) if (m.space().equals(space)) return m;
        throw new IllegalArgumentException("no space '" + space + "' in this alignment");
    }

    @Override
    public String toString() {
        return "Alignment[" + recipe + ", " + Arrays.toString(permutations.spaces().toArray()) + "]";
    }
}
