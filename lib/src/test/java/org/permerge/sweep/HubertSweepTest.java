package org.permerge.sweep;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.extract.PairedExtraction;
import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import org.permerge.model.EncoderConfig;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.Taps;
import org.permerge.permute.InvarianceCheck;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The property sweep against an independent reference: every generated HuBERT config (all three layouts,
 * 1-8 conv blocks of widths 1-130, odd lengths, padded batches, dead and duplicated units) runs through the
 * forward pass (every reference tensor within 1e-4 of its largest magnitude), through {@code permute --spaces all}
 * (random permutations of every space leave the function unchanged) and through the statistics path (the
 * statistics of a model with itself match at the optimum: the identity's total correlation).
 */
class HubertSweepTest {
    /** The tests' tolerance, relative to each tensor's largest magnitude (the fixtures' README). */
    static final double TOL = 1e-4;

    static List<SweepCase> cases() {
        return SweepCase.all();
    }

    @Test
    void theSweepCoversWhatItPromises() {
        List<SweepCase> cases = cases();
        assertTrue(cases.size() >= 40, "only " + cases.size() + " sweep configs");
        Set<String> layouts = new HashSet<>();
        Set<Integer> blocks = new HashSet<>();
        Set<Integer> widths = new HashSet<>();
        int padded = 0;
        int oddLengths = 0;
        for (SweepCase c : cases) {
            EncoderConfig cfg = c.config();
            layouts.add(cfg.featExtractNorm() + "/" + cfg.convBias() + "/" + cfg.doStableLayerNorm());
            blocks.add(cfg.numConvLayers());
            for (int w : cfg.convDim()) widths.add(w);
            StateDict ref = c.reference();
            int[] lengths = c.lengths(ref);
            Set<Integer> distinct = new HashSet<>();
            for (int n : lengths) {
                assertTrue(n >= cfg.receptiveField(), c + ": a clip shorter than the receptive field");
                distinct.add(n);
                if (n % 2 == 1) oddLengths++;
            }
            if (distinct.size() > 1) padded++;
        }
        assertEquals(Set.of("group/false/false", "layer/true/true", "group/false/true"), layouts, "base, large, MERT-330M mix");
        assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7, 8), blocks, "conv block counts");
        assertTrue(widths.contains(1) && widths.contains(130), "widths " + widths);
        assertTrue(widths.stream().filter(HubertSweepTest::isPrime).count() >= 15, "prime widths " + widths);
        assertTrue(widths.stream().filter(w -> w % 2 == 1).count() >= 20, "odd widths " + widths);
        assertTrue(padded >= 10, padded + " padded batches");
        assertTrue(oddLengths >= 20, oddLengths + " odd clip lengths");
    }

    private static boolean isPrime(int n) {
        if (n < 2) return false;
        for (int d = 2; d * d <= n; d++) if (n % d == 0) return false;
        return true;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardReproducesEveryReferenceTensor(SweepCase c) {
        StateDict ref = c.reference();
        int[] lengths = c.lengths(ref);
        try (HubertEncoder enc = HubertEncoder.create(c.checkpoint()); NDManager scope = NDManager.newBaseManager()) {
            Map<String, float[]> values = new LinkedHashMap<>();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, boolean[]> masks = new LinkedHashMap<>();
            NDArray input = ref.get("input_values").toNDArray(scope);
            EncoderOutput out = enc.forward(scope, input, lengths, (tap, a, mask) -> {
                // conv taps back to the reference's [B, C, T]; the mask stays [B, T]
                NDArray x = Taps.isConv(tap) ? a.transpose(0, 2, 1) : a;
                values.put(tap, x.toFloatArray());
                shapes.put(tap, x.getShape().getShape());
                masks.put(tap, mask.toBooleanArray());
            });
            assertArrayEquals(enc.framesFor(lengths), out.frames(), c + " frames");
            List<String> failures = new ArrayList<>();
            double[] worst = {0};
            String[] worstName = {""};
            int compared = 0;
            for (String tap : Taps.all(enc.config())) {
                String name = tap.startsWith("hidden_states.") || tap.equals(Taps.LAST_HIDDEN_STATE) ? tap : "tap." + tap;
                assertTrue(ref.contains(name), c + ": the reference has no " + name);
                double rel = compare(c, name, ref.get(name), values.get(tap), shapes.get(tap), masks.get(tap), Taps.isConv(tap), failures);
                if (rel > worst[0]) {
                    worst[0] = rel;
                    worstName[0] = name;
                }
                compared++;
            }
            boolean[] frameMask = out.frameMask().toBooleanArray();
            for (int k = 0; k < out.hiddenStates().size(); k++) {
                NDArray h = out.hiddenStates().get(k);
                compare(c, "hidden_states." + k + " (output)", ref.get("hidden_states." + k), h.toFloatArray(),
                        h.getShape().getShape(), frameMask, false, failures);
            }
            compare(c, "last_hidden_state (output)", ref.get("last_hidden_state"), out.lastHiddenState().toFloatArray(),
                    out.lastHiddenState().getShape().getShape(), frameMask, false, failures);
            assertEquals(ref.size() - 2, compared, c + ": reference tensors left uncompared");
            System.out.printf("sweep forward %s: worst %.3g relative (%s)%n", c, worst[0], worstName[0]);
            assertTrue(failures.isEmpty(), c + " " + c.config() + ": " + failures.size() + " tensors off by more than "
                    + TOL + " of their largest magnitude:\n  " + String.join("\n  ", failures));
        }
    }

    /**
     * Compares one tensor on the frames the reference defines (NaN marks frames beyond a clip); the encoder's
     * mask must mark exactly those frames. Returns the largest difference relative to the tensor's largest
     * magnitude; a difference beyond the tolerance is added to failures.
     */
    private static double compare(SweepCase c, String name, Tensor expected, float[] actual, long[] shape, boolean[] mask,
                               boolean channelsFirst, List<String> failures) {
        assertTrue(actual != null, c + ": no tap for " + name);
        assertArrayEquals(expected.shape(), shape, c + " " + name + " shape");
        float[] e = expected.toFloatArray();
        int batch = (int) shape[0];
        int t = (int) (channelsFirst ? shape[2] : shape[1]);
        int d = (int) (channelsFirst ? shape[1] : shape[2]);
        double diff = 0;
        double mag = 0;
        int at = -1;
        for (int b = 0; b < batch; b++) {
            for (int f = 0; f < t; f++) {
                for (int k = 0; k < d; k++) {
                    int i = channelsFirst ? (b * d + k) * t + f : (b * t + f) * d + k;
                    boolean defined = !Float.isNaN(e[i]);
                    if (defined != mask[b * t + f]) {
                        throw new AssertionError(c + " " + name + ": clip " + b + " frame " + f + " is "
                                + (defined ? "real in the reference but padding here" : "padding in the reference but real here"));
                    }
                    if (!defined) continue;
                    double dd = Math.abs(e[i] - actual[i]);
                    if (!(dd <= diff)) {
                        diff = dd;
                        at = i;
                    }
                    mag = Math.max(mag, Math.abs(e[i]));
                }
            }
        }
        double rel = mag == 0 ? diff : diff / mag;
        if (!(rel <= TOL)) {
            failures.add(String.format("%s: %.3g relative (max |diff| %.3g at flat index %d, max |x| %.3g)", name, rel, diff, at, mag));
        }
        return rel;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void permutingEverySpaceLeavesTheFunctionUnchanged(SweepCase c) {
        EncoderCheckpoint ckpt = c.checkpoint();
        EncoderConfig cfg = ckpt.config();
        // as `permute --spaces all`: every space, random permutations moving >= 90 % of each space's units
        PermutationSpec spec = PermutationSpec.hubert(cfg);
        List<String> spaces = spec.select("all");
        assertEquals(spec.spaces().keySet(), new HashSet<>(spaces));
        Permutations perms = Permutations.random(cfg, spaces, 17);
        StateDict permuted = spec.apply(ckpt.weights(), perms);
        InvarianceCheck.Report r = InvarianceCheck.compare(cfg, ckpt.weights(), permuted, perms, clips(c, cfg));
        assertEquals(Taps.all(cfg).size(), r.taps().size());
        assertTrue(r.holds(InvarianceCheck.TOLERANCE), c + " " + cfg + ": " + r);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void statisticsOfAModelWithItselfMatchAtTheOptimum(SweepCase c) {
        EncoderCheckpoint ckpt = c.checkpoint();
        EncoderConfig cfg = ckpt.config();
        AlignmentStatistics stats = AlignmentStatistics.builder().setConfigA(cfg).setConfigB(cfg).build();
        try (HubertEncoder enc = HubertEncoder.create(ckpt)) {
            PairedExtraction.builder().setModelA(enc, Preprocessor.DEFAULT).setModelB(enc, Preprocessor.DEFAULT)
                    .optProgress(false).build().run(clips(c, cfg), Preprocessor.DEFAULT.samplingRate(), stats);
        }
        Alignment alignment = Alignment.solve(stats, MergeRecipe.CNN_ALL);
        assertEquals(PermutationSpec.hubert(cfg).spaces().size(), alignment.matches().size());
        for (Alignment.SpaceMatch m : alignment.matches()) {
            assertTrue(m.permuted(), c + ": " + m.space() + " not matched");
            // A unit correlates with itself at 1 and with anything else at most 1 (dead units at 0): the identity's
            // total is the optimum. Ties (duplicated or dead units) allow other optima, so compare totals only.
            assertTrue(m.meanCorrelationBefore() <= 1 + 1e-9, c + " " + m);
            assertEquals(m.meanCorrelationBefore(), m.meanCorrelationAfter(), 1e-6,
                    c + " " + m.space() + ": matched mean correlation " + m.meanCorrelationAfter() + " is not the optimum "
                            + m.meanCorrelationBefore() + " (moved " + m.movedFraction() + ")");
        }
    }

    /** The reference batch's clips plus a longer seeded-noise clip, so that attention and statistics see many frames. */
    private static List<float[]> clips(SweepCase c, EncoderConfig cfg) {
        List<float[]> clips = new ArrayList<>(c.clips(c.reference()));
        SplittableRandom rng = new SplittableRandom(c.name().hashCode());
        float[] longer = new float[cfg.receptiveField() + cfg.totalStride() * 24 + 3];
        for (int i = 0; i < longer.length; i++) longer[i] = (float) (0.5 * rng.nextGaussian() + 0.1 * Math.sin(i * 0.05));
        clips.add(longer);
        return clips;
    }

    @Test
    void thePermutationsOfTheSweepAreObservable() {
        // Guard against a vacuous invariance check: the permutations must move the weights of a real config.
        SweepCase c = cases().get(0);
        EncoderCheckpoint ckpt = c.checkpoint();
        PermutationSpec spec = PermutationSpec.hubert(ckpt.config());
        Permutations perms = Permutations.random(ckpt.config(), spec.select("all"), 17);
        StateDict permuted = spec.apply(ckpt.weights(), perms);
        InvarianceCheck.Report unpermuted = InvarianceCheck.compare(ckpt.config(), ckpt.weights(), permuted,
                Permutations.identity(), clips(c, ckpt.config()));
        assertTrue(!unpermuted.holds(1e-2), "the permutation moved nothing observable: " + unpermuted);
    }
}
