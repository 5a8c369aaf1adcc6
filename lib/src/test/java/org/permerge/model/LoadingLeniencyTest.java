package org.permerge.model;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The two checkpoints transformers loads that a strict reading would refuse: a task model's (encoder under
 * {@code hubert.}/{@code mert.}, task head beside it) and one without {@code masked_spec_embed}. Both load with a note
 * and compute transformers' reference activations; anything else stays refused by name.
 */
class LoadingLeniencyTest {
    @TempDir
    Path tmp;

    private static final Path TINY = Fixtures.hubert("hubert-tiny-base");

    private static StateDict tiny() {
        return SafeTensors.read(TINY.resolve("model.safetensors"));
    }

    /** A model folder with the tiny config (optionally edited) and the given weights. */
    private Path folder(String name, StateDict weights, Map<String, Double> configEdits) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        JsonObject cfg = JsonParser.parseString(Files.readString(TINY.resolve("config.json"))).getAsJsonObject();
        configEdits.forEach(cfg::addProperty);
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        SafeTensors.write(dir.resolve("model.safetensors"), weights);
        return dir;
    }

    /** The encoder's last hidden state on transformers' reference input, checked against transformers' own output. */
    private static float[] lastHiddenState(EncoderCheckpoint cp) {
        StateDict ref = SafeTensors.read(TINY.resolve("reference-activations.safetensors"));
        try (HubertEncoder enc = HubertEncoder.create(cp); NDManager scope = NDManager.newBaseManager()) {
            float[] out = enc.forward(scope, ref.get("input_values").toNDArray(scope), null, null).lastHiddenState().toFloatArray();
            float[] expected = ref.get("last_hidden_state").toFloatArray();
            double worst = 0;
            for (int i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - expected[i]));
            assertTrue(worst < 1e-4, "largest difference from transformers' reference " + worst);
            return out;
        }
    }

    private static Tensor zeros(long... shape) {
        return Tensor.ofFloats(shape, new float[(int) Tensor.numel(shape)]);
    }

    @ParameterizedTest
    @CsvSource({"hubert., lm_head.weight, lm_head.bias", "hubert., projector.weight, classifier.bias", "mert., classifier.weight, layer_weights"})
    void aTaskModelLoadsItsEncoderAndSetsTheHeadAside(String prefix, String head1, String head2) throws Exception {
        StateDict task = new StateDict();
        for (Map.Entry<String, Tensor> e : tiny().tensors().entrySet()) task.put(prefix + e.getKey(), e.getValue());
        task.put(head1, zeros(8, 32));
        task.put(head2, zeros(8));
        Path dir = folder("task", task, Map.of());
        byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));
        EncoderCheckpoint cp = EncoderCheckpoint.load(dir);
        EncoderCheckpoint plain = EncoderCheckpoint.load(TINY);
        assertEquals(plain.weights().names(), cp.weights().names());
        for (String n : plain.weights().names()) {
            assertArrayEquals(plain.weights().get(n).toFloatArray(), cp.weights().get(n).toFloatArray(), 0f, n);
        }
        assertEquals(1, cp.notes().size(), cp.notes().toString());
        String note = cp.notes().get(0);
        assertTrue(note.contains("'" + prefix + "'") && note.contains(head1) && note.contains(head2) && note.contains("2 tensors"), note);
        assertTrue(cp.storesMaskedSpecEmbed());
        assertArrayEquals(lastHiddenState(plain), lastHiddenState(cp), 0f, "same forward output as the unprefixed checkpoint");
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("model.safetensors")), "input untouched");
        assertTrue(plain.notes().isEmpty(), "a bare encoder loads without notes");
    }

    @Test
    void aTaskModelWithLegacyWeightNormNamesLoadsToo() throws Exception {
        StateDict legacy = SafeTensors.read(TINY.resolve("legacy-keys.safetensors"));
        StateDict task = new StateDict();
        for (Map.Entry<String, Tensor> e : legacy.tensors().entrySet()) task.put("hubert." + e.getKey(), e.getValue());
        task.put("lm_head.weight", zeros(8, 32));
        EncoderCheckpoint cp = EncoderCheckpoint.load(folder("legacy-task", task, Map.of()));
        assertEquals(KeyLayout.LEGACY_WEIGHT_NORM, cp.keyLayout());
        lastHiddenState(cp);
    }

    @Test
    void anythingElseBesideATaskModelsEncoderIsStillRefusedByName() throws Exception {
        StateDict task = new StateDict();
        for (Map.Entry<String, Tensor> e : tiny().tensors().entrySet()) task.put("hubert." + e.getKey(), e.getValue());
        task.put("lm_head.weight", zeros(8, 32));
        task.put("quantizer.codevectors", zeros(4));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(folder("extra", task, Map.of())));
        assertTrue(e.getMessage().contains("unknown 1: [quantizer.codevectors]"), e.getMessage());

        StateDict doubled = new StateDict(task.tensors());
        doubled.remove("quantizer.codevectors");
        doubled.put("encoder.layer_norm.bias", zeros(32));
        e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(folder("doubled", doubled, Map.of())));
        assertTrue(e.getMessage().contains("'encoder.layer_norm.bias' is stored both as 'hubert.encoder.layer_norm.bias' and without"),
                e.getMessage());

        StateDict mixed = new StateDict(task.tensors());
        mixed.remove("quantizer.codevectors");
        mixed.put("mert.extra", zeros(4));
        e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(folder("mixed", mixed, Map.of())));
        assertTrue(e.getMessage().contains("both 'hubert.' and 'mert.'"), e.getMessage());

        // A head without a task model's prefix is not a transformers layout: refused as before.
        StateDict bare = tiny();
        bare.put("lm_head.weight", zeros(8, 32));
        e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(folder("bare-head", bare, Map.of())));
        assertTrue(e.getMessage().contains("unknown 1: [lm_head.weight]"), e.getMessage());
    }

    @Test
    void aMissingMaskEmbeddingLoadsWithANoteWhenMaskingIsOnAndSilentlyWhenOff() throws Exception {
        StateDict without = tiny();
        without.remove(EncoderCheckpoint.MASKED_SPEC_EMBED);
        // The fixture's config has mask_time_prob 0.05: transformers would initialise the tensor and warn.
        EncoderCheckpoint on = EncoderCheckpoint.load(folder("masking-on", without, Map.of()));
        assertFalse(on.storesMaskedSpecEmbed());
        assertEquals(1, on.notes().size(), on.notes().toString());
        assertTrue(on.notes().get(0).contains("no 'masked_spec_embed'") && on.notes().get(0).contains("U[0, 1)"), on.notes().get(0));
        for (float v : on.weights().get(EncoderCheckpoint.MASKED_SPEC_EMBED).toFloatArray()) assertTrue(v >= 0 && v < 1, "uniform_ as transformers");
        EncoderCheckpoint plain = EncoderCheckpoint.load(TINY);
        assertArrayEquals(lastHiddenState(plain), lastHiddenState(on), 0f, "the mask embedding is unused at inference");
        // Loading twice gives the same stand-in, so hashes of the weights repeat.
        assertArrayEquals(on.weights().get(EncoderCheckpoint.MASKED_SPEC_EMBED).toFloatArray(),
                EncoderCheckpoint.load(folder("masking-on-again", without, Map.of())).weights().get(EncoderCheckpoint.MASKED_SPEC_EMBED).toFloatArray());

        // With both probabilities 0, transformers' model has no such parameter: absent by design, no note.
        EncoderCheckpoint off = EncoderCheckpoint.load(folder("masking-off", without, Map.of("mask_time_prob", 0.0, "mask_feature_prob", 0.0)));
        assertFalse(off.storesMaskedSpecEmbed());
        assertTrue(off.notes().isEmpty(), off.notes().toString());
    }

    @Test
    void saveWritesTheMaskEmbeddingOnlyWhereTheSourceHadIt() throws Exception {
        StateDict without = tiny();
        without.remove(EncoderCheckpoint.MASKED_SPEC_EMBED);
        EncoderCheckpoint lacking = EncoderCheckpoint.load(folder("lacking", without, Map.of("mask_time_prob", 0.0)));
        Path out = tmp.resolve("saved-lacking");
        lacking.save(out, Map.of("test", "save"));
        assertFalse(SafeTensors.read(out.resolve("model.safetensors")).contains(EncoderCheckpoint.MASKED_SPEC_EMBED));
        assertEquals(lacking.weights().size() - 1, SafeTensors.read(out.resolve("model.safetensors")).size());
        // A derived checkpoint (a permutation, a merge) is written like its source.
        Path derived = tmp.resolve("saved-derived");
        lacking.derive(lacking.weights()).save(derived, Map.of());
        assertFalse(SafeTensors.read(derived.resolve("model.safetensors")).contains(EncoderCheckpoint.MASKED_SPEC_EMBED));
        Path full = tmp.resolve("saved-full");
        EncoderCheckpoint.load(TINY).derive(lacking.weights()).save(full, Map.of());
        assertTrue(SafeTensors.read(full.resolve("model.safetensors")).contains(EncoderCheckpoint.MASKED_SPEC_EMBED));
    }

    @Test
    void nonFiniteWeightsAreRefusedByName() throws Exception {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            StateDict sd = tiny();
            float[] v = sd.get("encoder.layers.1.attention.v_proj.bias").toFloatArray();
            v[5] = bad;
            sd.put("encoder.layers.1.attention.v_proj.bias", Tensor.ofFloats(new long[] {32}, v));
            Path dir = folder("bad-" + bad, sd, Map.of());
            byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
            assertTrue(e.getMessage().contains("tensor 'encoder.layers.1.attention.v_proj.bias' holds a non-finite value (" + bad
                    + ") at flat index 5"), e.getMessage());
            assertTrue(e.getMessage().contains(dir.resolve("model.safetensors").toString()), "names the file: " + e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(dir.resolve("model.safetensors")));
        }
        // A float64 value beyond float32's range becomes infinite on conversion: refused too.
        StateDict sd = tiny();
        long[] shape = sd.get("encoder.layer_norm.bias").shape();
        double[] d = new double[32];
        d[0] = 1e300;
        sd.put("encoder.layer_norm.bias", Tensor.ofDoubles(shape, d));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(folder("f64", sd, Map.of())));
        assertTrue(e.getMessage().contains("'encoder.layer_norm.bias' holds a non-finite value (Infinity) at flat index 0 (as float32; stored as F64)"),
                e.getMessage());
    }

    @Test
    void aShardIndexThatNamesAnIndexIsRefusedWithoutRecursing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("self-index"));
        Files.copy(TINY.resolve("config.json"), dir.resolve("config.json"));
        Map<String, String> map = new LinkedHashMap<>();
        for (String n : tiny().names()) map.put(n, "model.safetensors.index.json");
        JsonObject weightMap = new JsonObject();
        map.forEach(weightMap::addProperty);
        JsonObject index = new JsonObject();
        index.add("weight_map", weightMap);
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("shard 'model.safetensors.index.json' of tensor '")
                && e.getMessage().contains("' is itself a shard index"), e.getMessage());
        // A cycle of two indexes names the first hop the same way.
        JsonObject other = new JsonObject();
        JsonObject otherMap = new JsonObject();
        otherMap.addProperty("masked_spec_embed", "b.index.json");
        other.add("weight_map", otherMap);
        Files.writeString(dir.resolve("a.index.json"), other.toString());
        otherMap.addProperty("masked_spec_embed", "a.index.json");
        Files.writeString(dir.resolve("b.index.json"), other.toString());
        e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir.resolve("a.index.json")));
        assertTrue(e.getMessage().contains("'b.index.json' of tensor 'masked_spec_embed' is itself a shard index"), e.getMessage());
    }
}
