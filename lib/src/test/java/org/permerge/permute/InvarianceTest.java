package org.permerge.permute;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.EncoderConfig;
import org.permerge.model.Taps;
import org.permerge.testing.Fixtures;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The invariant (METHOD.md defects 1–3): random permutations of any space or set of spaces leave the
 * function unchanged, on both fixture layouts and on a HuBERT-Base-sized random model; re-introducing
 * each of the authors' defects makes the same check fail.
 */
class InvarianceTest {
    private static EncoderConfig config(String layout) {
        return EncoderConfig.read(Fixtures.hubert(layout).resolve("config.json"));
    }

    private static StateDict weights(String layout) {
        return SafeTensors.read(Fixtures.hubert(layout).resolve("model.safetensors"));
    }

    /** The fixture's input batch; the second clip shortened so that padding frames are exercised too. */
    private static List<float[]> clips(String layout) {
        float[] x = SafeTensors.read(Fixtures.hubert(layout).resolve("reference-activations.safetensors")).get("input_values").toFloatArray();
        int n = x.length / 2;
        return List.of(Arrays.copyOfRange(x, 0, n), Arrays.copyOfRange(x, n, n + 3 * n / 4));
    }

    private static List<String> family(PermutationSpec spec, String... families) {
        List<String> out = new ArrayList<>();
        for (Space s : spec.spaces().values()) if (Arrays.asList(families).contains(s.family())) out.add(s.name());
        return out;
    }

    private static final java.util.Map<String, InvarianceCheck.Recording> ORIGINALS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Runs the fixture model permuted through {@code applied} and compares it with the (cached) original run. */
    private static InvarianceCheck.Report check(String layout, PermutationSpec applied, Permutations p) {
        EncoderConfig c = config(layout);
        StateDict w = weights(layout);
        InvarianceCheck.Recording original = ORIGINALS.computeIfAbsent(layout, k -> InvarianceCheck.record(c, w, clips(k)));
        return InvarianceCheck.compare(c, original, InvarianceCheck.record(c, applied.apply(w, p), clips(layout)), p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void eachSpaceAloneLeavesTheFunctionUnchanged(String layout) {
        EncoderConfig c = config(layout);
        StateDict w = weights(layout);
        PermutationSpec spec = PermutationSpec.hubert(c);
        InvarianceCheck.Recording original = ORIGINALS.computeIfAbsent(layout, k -> InvarianceCheck.record(c, w, clips(k)));
        int seed = 0;
        for (String space : spec.spaces().keySet()) {
            Permutations p = Permutations.random(c, List.of(space), seed++);
            InvarianceCheck.Recording permuted = InvarianceCheck.record(c, spec.apply(w, p), clips(layout));
            InvarianceCheck.Report r = InvarianceCheck.compare(c, original, permuted, p);
            assertEquals(Taps.all(c).size(), r.taps().size());
            assertTrue(r.holds(InvarianceCheck.TOLERANCE), space + ": " + r);
            // The permutation is visible: compared as if nothing had moved, the same model fails.
            InvarianceCheck.Report unpermuted = InvarianceCheck.compare(c, original, permuted, Permutations.identity());
            assertFalse(unpermuted.holds(1e-2), space + " moved nothing observable: " + unpermuted);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void thePapersMainSetAndEverythingAtOnceLeaveTheFunctionUnchanged(String layout) {
        EncoderConfig c = config(layout);
        PermutationSpec spec = PermutationSpec.hubert(c);
        Permutations main = Permutations.random(c, family(spec, "cnn", "ffn", "attn"), 21);
        InvarianceCheck.Report r = check(layout, spec, main);
        assertTrue(r.holds(InvarianceCheck.TOLERANCE), "cnn+ff+attn: " + r);
        Permutations all = Permutations.random(c, spec.spaces().keySet(), 22);
        r = check(layout, spec, all);
        System.out.println("invariance, " + layout + ", all spaces: " + r);
        assertTrue(r.holds(InvarianceCheck.TOLERANCE), "all spaces: " + r);
    }

    @Test
    void aBaseSizedRandomModelIsInvariantUnderEveryPermutationAtOnce() {
        EncoderConfig c = EncoderConfig.read(Fixtures.fixtures().resolve("hf-hubert/hubert-base-architecture-config.json"));
        StateDict w = RandomWeights.create(c, 1);
        PermutationSpec spec = PermutationSpec.hubert(c);
        SplittableRandom rng = new SplittableRandom(2);
        float[] clip = new float[4000];
        for (int i = 0; i < clip.length; i++) clip[i] = (float) rng.nextGaussian();
        Permutations all = Permutations.random(c, spec.spaces().keySet(), 23);
        InvarianceCheck.Report r = InvarianceCheck.compare(c, w, spec.apply(w, all), all, List.of(clip));
        System.out.println("invariance, base size, all spaces: " + r);
        assertTrue(r.holds(InvarianceCheck.TOLERANCE), "all spaces, base size: " + r);
    }

    // ---- negative controls: the authors' defects, re-introduced into the spec, must break the check ----

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void defect1SkippingTheProducerSideBreaksTheInvariant(String layout) {
        EncoderConfig c = config(layout);
        PermutationSpec spec = PermutationSpec.hubert(c);
        List<String> spaces = family(spec, "cnn", "ffn", "attn");
        PermutationSpec broken = spec;
        for (String s : spaces) {
            for (PermutationSpec.TensorAxis ta : spec.axesOf(s)) {
                boolean producer = ta.axis() == 0 && !ta.tensor().contains("out_proj") && !ta.tensor().contains("output_dense");
                if (producer) broken = broken.withRule(ta.tensor(), 0, AxisRule.INVARIANT);
            }
        }
        Permutations p = Permutations.random(c, spaces, 31);
        InvarianceCheck.Report r = check(layout, broken, p);
        System.out.println("defect 1, " + layout + ": " + r);
        assertTrue(r.worst().relative() > 1e-2, "defect 1 went unnoticed: " + r);
        assertTrue(check(layout, spec, p).holds(InvarianceCheck.TOLERANCE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void defect2ReorderingValueHeadsButNotQueryKeyHeadsBreaksTheInvariant(String layout) {
        EncoderConfig c = config(layout);
        PermutationSpec spec = PermutationSpec.hubert(c);
        PermutationSpec broken = spec;
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (String proj : List.of("q_proj", "k_proj")) {
                String base = "encoder.layers." + l + ".attention." + proj;
                broken = broken.withRule(base + ".weight", 0, AxisRule.INVARIANT).withRule(base + ".bias", 0, AxisRule.INVARIANT);
            }
        }
        Permutations p = Permutations.random(c, family(spec, "attn"), 32);
        InvarianceCheck.Report r = check(layout, broken, p);
        System.out.println("defect 2, " + layout + ": " + r);
        assertTrue(r.worst().relative() > 1e-2, "defect 2 went unnoticed: " + r);
        assertTrue(check(layout, spec, p).holds(InvarianceCheck.TOLERANCE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void defect3PermutingConv0sNormButNotItsConvBreaksTheInvariant(String layout) {
        EncoderConfig c = config(layout);
        PermutationSpec spec = PermutationSpec.hubert(c);
        PermutationSpec broken = spec.withRule("feature_extractor.conv_layers.0.conv.weight", 0, AxisRule.INVARIANT);
        if (c.convBias()) broken = broken.withRule("feature_extractor.conv_layers.0.conv.bias", 0, AxisRule.INVARIANT);
        Permutations p = Permutations.random(c, List.of("cnn.0"), 33);
        InvarianceCheck.Report r = check(layout, broken, p);
        System.out.println("defect 3, " + layout + ": " + r);
        assertTrue(r.worst().relative() > 1e-2, "defect 3 went unnoticed: " + r);
        assertTrue(check(layout, spec, p).holds(InvarianceCheck.TOLERANCE));
    }
}
