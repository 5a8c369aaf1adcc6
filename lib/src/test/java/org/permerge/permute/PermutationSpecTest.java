package org.permerge.permute;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.model.EncoderConfig;
import org.permerge.model.ParameterLayout;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class PermutationSpecTest {
    private static final Path DIR = Fixtures.fixtures().resolve("hf-hubert");

    static EncoderConfig tinyBase() {
        return EncoderConfig.read(DIR.resolve("hubert-tiny-base/config.json"));
    }

    static StateDict tinyBaseWeights() {
        return SafeTensors.read(DIR.resolve("hubert-tiny-base/model.safetensors"));
    }

    static List<String> allSpaces(EncoderConfig c) {
        return new ArrayList<>(PermutationSpec.hubert(c).spaces().keySet());
    }

    @ParameterizedTest
    @CsvSource({
            "hubert-tiny-base/config.json, hubert-tiny-base/state_dict_keys.txt",
            "hubert-tiny-large/config.json, hubert-tiny-large/state_dict_keys.txt",
            "hubert-base-architecture-config.json, hubert-base-architecture-state-dict-shapes.txt",
            "hubert-large-architecture-config.json, hubert-large-architecture-state-dict-shapes.txt"})
    void specCoversEveryTensorTransformersWrites(String config, String keys) throws Exception {
        EncoderConfig c = EncoderConfig.read(DIR.resolve(config));
        PermutationSpec spec = PermutationSpec.hubert(c);
        int count = 0;
        for (String line : Files.readAllLines(DIR.resolve(keys))) {
            String[] f = line.split("\t");
            long[] shape = Arrays.stream(f[1].replaceAll("[\\[\\] ]", "").split(",")).mapToLong(Long::parseLong).toArray();
            PermutationSpec.TensorRule r = spec.rule(f[0]);
            assertArrayEquals(shape, r.shape(), f[0]);
            count++;
        }
        assertEquals(count, spec.tensors().size());
        // Every space is used on both sides: a producer axis and a consumer axis (spaces with no consumer would be a spec bug).
        for (Space s : spec.spaces().values()) {
            assertTrue(spec.axesOf(s.name()).size() >= 2, s.name() + " acts on " + spec.axesOf(s.name()));
        }
    }

    @Test
    void rulesSayWhichSpaceActsOnWhichAxis() {
        EncoderConfig c = EncoderConfig.read(DIR.resolve("hubert-tiny-large/config.json"));
        PermutationSpec spec = PermutationSpec.hubert(c);
        assertEquals("[qk.1, residual]", spec.rule("encoder.layers.1.attention.q_proj.weight").axes().toString());
        assertEquals("[attn.0, residual]", spec.rule("encoder.layers.0.attention.v_proj.weight").axes().toString());
        assertEquals("[residual, attn.0]", spec.rule("encoder.layers.0.attention.out_proj.weight").axes().toString());
        assertEquals("[ffn.1, residual]", spec.rule("encoder.layers.1.feed_forward.intermediate_dense.weight").axes().toString());
        assertEquals("[cnn.3, cnn.2, -]", spec.rule("feature_extractor.conv_layers.3.conv.weight").axes().toString());
        assertEquals("[cnn.0, -, -]", spec.rule("feature_extractor.conv_layers.0.conv.weight").axes().toString());
        assertEquals("[cnn.4]", spec.rule("feature_extractor.conv_layers.4.conv.bias").axes().toString());
        assertEquals("[cnn.4]", spec.rule("feature_extractor.conv_layers.4.layer_norm.weight").axes().toString());
        assertEquals("[cnn.6]", spec.rule("feature_projection.layer_norm.bias").axes().toString());
        assertEquals("[residual, cnn.6]", spec.rule("feature_projection.projection.weight").axes().toString());
        assertEquals("[residual]", spec.rule("masked_spec_embed").axes().toString());
        assertEquals("[-, -, -]", spec.rule(ParameterLayout.POS_CONV_G).axes().toString());
        assertEquals("[residual, residual (within the block of axis 0), -]", spec.rule(ParameterLayout.POS_CONV_V).axes().toString());
    }

    @Test
    void randomPermutationsMoveAtLeastNinetyPercentAndReorderHeads() {
        EncoderConfig c = EncoderConfig.read(DIR.resolve("hubert-base-architecture-config.json"));
        PermutationSpec spec = PermutationSpec.hubert(c);
        Permutations p = Permutations.random(c, allSpaces(c), 7);
        spec.validate(p);
        for (String s : p.spaces()) {
            assertTrue(Permutations.movedFraction(p.effective(spec.space(s))) >= 0.9, s);
        }
        for (String s : List.of("attn.0", "attn.11", "residual")) {
            assertTrue(Permutations.movedFraction(Permutations.blockOrder(p.get(s), spec.space(s).blockSize())) >= 0.9, s);
        }
        assertEquals(p, Permutations.random(c, allSpaces(c), 7));
        assertNotEquals(p, Permutations.random(c, allSpaces(c), 8));
        assertEquals(p, Permutations.fromJson(p.toJson().toString()));
    }

    @Test
    void spaceSelectionsExpandFamilies() {
        PermutationSpec spec = PermutationSpec.hubert(tinyBase());
        assertEquals(List.of("cnn.0", "cnn.1", "cnn.2", "cnn.3", "cnn.4", "cnn.5", "cnn.6", "ffn.0", "ffn.1"), spec.select("cnn+ff"));
        assertEquals(List.of("attn.1", "residual"), spec.select("attn.1,residual"));
        assertEquals(spec.spaces().size(), spec.select("all").size());
        assertThrows(IllegalArgumentException.class, () -> spec.select("ffn.7"));
        assertThrows(IllegalArgumentException.class, () -> spec.select("mlp"));
    }

    @Test
    void qkEffectivePermutationFollowsTheHeadOrderOfAttn() {
        // 2 heads of 3: attn swaps the heads; qk permutes within heads.
        Space attn = new Space("attn.0", 6, 3, false, null);
        Space qk = new Space("qk.0", 6, 3, true, "attn.0");
        Permutations p = Permutations.of(Map.of("attn.0", new int[] {5, 3, 4, 0, 2, 1}, "qk.0", new int[] {1, 2, 0, 3, 5, 4}));
        // Position 0 (head 0) takes head 1's unit 1 -> 4; position 3 (head 1) takes head 0's unit 0 -> 0, ...
        assertArrayEquals(new int[] {4, 5, 3, 0, 2, 1}, p.effective(qk));
        assertArrayEquals(new int[] {3, 4, 5, 0, 1, 2}, Permutations.of(Map.of("attn.0", new int[] {5, 3, 4, 0, 2, 1})).effective(qk));
        assertArrayEquals(new int[] {5, 3, 4, 0, 2, 1}, p.effective(attn));
    }

    @Test
    void appliedTensorsAreGathersAlongEveryPermutedAxis() {
        EncoderConfig c = tinyBase();
        PermutationSpec spec = PermutationSpec.hubert(c);
        StateDict sd = tinyBaseWeights();
        Permutations p = Permutations.random(c, allSpaces(c), 3);
        StateDict q = spec.apply(sd, p);
        String name = "encoder.layers.1.feed_forward.intermediate_dense.weight";
        float[] in = sd.get(name).toFloatArray();
        float[] out = q.get(name).toFloatArray();
        int[] f = p.get("ffn.1");
        int[] r = p.get("residual");
        int h = c.hiddenSize();
        for (int i = 0; i < c.intermediateSize(); i++) {
            for (int j = 0; j < h; j++) assertEquals(in[f[i] * h + r[j]], out[i * h + j]);
        }
        // Applying the inverse permutations restores every byte; invariant tensors are not copied.
        Permutations inv = inverse(spec, p);
        StateDict back = spec.apply(q, inv);
        for (String n : sd.names()) assertEquals(sd.get(n).bytes(), back.get(n).bytes(), n);
        assertSame(sd.get(ParameterLayout.POS_CONV_G), q.get(ParameterLayout.POS_CONV_G));
        assertEquals(sd.names(), q.names());
    }

    /** Inverse permutations for every space; qk's within-head inverse is taken on the effective permutation. */
    static Permutations inverse(PermutationSpec spec, Permutations p) {
        Permutations inv = Permutations.identity();
        for (String s : p.spaces()) {
            Space sp = spec.space(s);
            if (!sp.withinBlocks()) inv = inv.with(s, Permutations.inverse(p.get(s)));
        }
        for (String s : p.spaces()) {
            Space sp = spec.space(s);
            if (!sp.withinBlocks()) continue;
            int[] effInv = Permutations.inverse(p.effective(sp));
            // Remove the tied head order of the inverse attn permutation to get the within-head part.
            int[] headInv = inv.effective(new Space("h", sp.size(), sp.blockSize(), true, sp.blockOrderFrom()));
            int[] within = Permutations.compose(Permutations.inverse(headInv), effInv);
            inv = inv.with(s, within);
        }
        return inv;
    }

    @Test
    void groupedPositionalConvIsEquivariantUnderAGroupToGroupResidualPermutation() {
        EncoderConfig c = tinyBase();
        PermutationSpec spec = PermutationSpec.hubert(c);
        StateDict sd = tinyBaseWeights();
        Permutations p = Permutations.random(c, List.of("residual"), 11);
        int[] r = p.get("residual");
        Tensor v = sd.get(ParameterLayout.POS_CONV_V);
        Tensor vp = spec.apply(ParameterLayout.POS_CONV_V, v, p);
        int h = c.hiddenSize(), groups = c.numConvPosEmbeddingGroups(), k = c.numConvPosEmbeddings(), t = 40;
        float[] x = new float[h * t];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        float[] xp = new float[h * t];
        for (int ch = 0; ch < h; ch++) System.arraycopy(x, r[ch] * t, xp, ch * t, t);
        double[] y = groupedConv(v.toFloatArray(), x, h, groups, k, t);
        double[] yp = groupedConv(vp.toFloatArray(), xp, h, groups, k, t);
        int tOut = t - k + 1;
        for (int o = 0; o < h; o++) {
            for (int s = 0; s < tOut; s++) assertEquals(y[r[o] * tOut + s], yp[o * tOut + s], 1e-4, "channel " + o);
        }
    }

    /** Naive valid grouped 1-D convolution, independent of the library. */
    private static double[] groupedConv(float[] w, float[] x, int h, int groups, int k, int t) {
        int n = h / groups, tOut = t - k + 1;
        double[] y = new double[h * tOut];
        for (int o = 0; o < h; o++) {
            int g = o / n;
            for (int s = 0; s < tOut; s++) {
                double acc = 0;
                for (int ci = 0; ci < n; ci++) {
                    for (int kk = 0; kk < k; kk++) acc += w[(o * n + ci) * k + kk] * x[(g * n + ci) * t + s + kk];
                }
                y[o * tOut + s] = acc;
            }
        }
        return y;
    }

    @Test
    void badCheckpointsAndPermutationsAreErrorsNamingTheCulprit() {
        EncoderConfig c = tinyBase();
        PermutationSpec spec = PermutationSpec.hubert(c);
        StateDict sd = tinyBaseWeights();
        Permutations ok = Permutations.random(c, List.of("ffn.0"), 1);

        StateDict extra = copy(sd).put("encoder.mystery.weight", Tensor.ofFloats(new long[] {2}, new float[2]));
        assertMessage(CheckpointFormatException.class, "encoder.mystery.weight", () -> spec.apply(extra, ok));

        StateDict missing = copy(sd);
        missing.remove("feature_projection.layer_norm.weight");
        assertMessage(CheckpointFormatException.class, "feature_projection.layer_norm.weight", () -> spec.apply(missing, ok));

        StateDict wrong = copy(sd).put("encoder.layers.0.feed_forward.intermediate_dense.bias", Tensor.ofFloats(new long[] {63}, new float[63]));
        assertMessage(CheckpointFormatException.class, "intermediate_dense.bias' axis 0 has size 63, expected 64 (the size of space ffn.0)",
                () -> spec.apply(wrong, ok));

        assertMessage(IllegalArgumentException.class, "space ffn.0: unit 3 appears twice",
                () -> Permutations.of(Map.of("ffn.0", new int[] {0, 3, 3, 1})));
        int[] shortPerm = Permutations.identity(10);
        assertMessage(IllegalArgumentException.class, "space ffn.1: permutation has 10 entries, the space has 64",
                () -> spec.apply(sd, Permutations.of(Map.of("ffn.1", shortPerm))));
        assertMessage(IllegalArgumentException.class, "unknown permutation space 'ffn.9'",
                () -> spec.apply(sd, Permutations.of(Map.of("ffn.9", Permutations.identity(64)))));

        int[] swapAcrossGroups = Permutations.identity(c.hiddenSize());
        swapAcrossGroups[0] = 8;
        swapAcrossGroups[8] = 0;
        assertMessage(IllegalArgumentException.class, "space residual: inadmissible permutation",
                () -> spec.apply(sd, Permutations.of(Map.of("residual", swapAcrossGroups))));
        assertMessage(IllegalArgumentException.class, "space attn.0: inadmissible permutation",
                () -> spec.apply(sd, Permutations.of(Map.of("attn.0", swapAcrossGroups))));
        int[] moveHeads = Permutations.random(c, List.of("attn.0"), 5).get("attn.0");
        assertMessage(IllegalArgumentException.class, "keep every block of 8 in place",
                () -> spec.apply(sd, Permutations.of(Map.of("qk.0", moveHeads))));
    }

    private static StateDict copy(StateDict sd) {
        return new StateDict(sd.tensors());
    }

    private static void assertMessage(Class<? extends Throwable> type, String fragment, org.junit.jupiter.api.function.Executable body) {
        Throwable t = assertThrows(type, body);
        assertTrue(t.getMessage().contains(fragment), "message '" + t.getMessage() + "' should contain '" + fragment + "'");
    }
}
