package org.permerge.model;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.DType;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.testing.Fixtures;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

public class EncoderCheckpointTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void allThreeWeightFilesLoadToIdenticalTensors(String fixture) throws Exception {
        Path dir = Fixtures.hubert(fixture);
        EncoderCheckpoint current = EncoderCheckpoint.load(dir);
        assertEquals(KeyLayout.CURRENT, current.keyLayout());
        assertTrue(current.source().endsWith("model.safetensors"), current.source());
        // Independent reference: the tensors as transformers listed them in state_dict_keys.txt.
        List<String> listed = Files.readAllLines(dir.resolve("state_dict_keys.txt"));
        assertEquals(listed.size(), current.weights().size());
        for (String line : listed) {
            String[] f = line.split("\t");
            assertEquals(f[1].replace(" ", ""), java.util.Arrays.toString(current.weights().get(f[0]).shape()).replace(" ", ""), f[0]);
        }
        for (String file : List.of("legacy-keys.safetensors", "legacy-keys.pytorch_model.bin")) {
            EncoderCheckpoint legacy = EncoderCheckpoint.load(dir.resolve(file));
            assertEquals(KeyLayout.LEGACY_WEIGHT_NORM, legacy.keyLayout(), file);
            assertEquals(current.config(), legacy.config());
            assertEquals(List.copyOf(current.weights().names()), List.copyOf(legacy.weights().names()), file);
            for (String n : current.weights().names()) {
                assertArrayEquals(current.weights().get(n).toFloatArray(), legacy.weights().get(n).toFloatArray(), 0f, file + ": " + n);
            }
        }
    }

    /** Zero tensors of every shape transformers lists for the full-size architectures, without allocating ~1 GB. */
    private static StateDict zerosFromShapeList(Path shapes, boolean legacyNames) throws Exception {
        ByteBuffer zeros = ByteBuffer.allocateDirect(32 << 20).order(ByteOrder.LITTLE_ENDIAN);
        StateDict sd = new StateDict();
        for (String line : Files.readAllLines(shapes)) {
            String[] f = line.split("\t");
            String[] dims = f[1].replaceAll("[\\[\\] ]", "").split(",");
            long[] shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) shape[i] = Long.parseLong(dims[i]);
            String name = f[0];
            if (legacyNames && name.equals(ParameterLayout.POS_CONV_G)) name = KeyLayout.LEGACY_POS_CONV_G;
            if (legacyNames && name.equals(ParameterLayout.POS_CONV_V)) name = KeyLayout.LEGACY_POS_CONV_V;
            int bytes = Math.toIntExact(Tensor.numel(shape) * 4);
            sd.put(name, new Tensor(DType.F32, shape, zeros.duplicate().limit(bytes)));
        }
        return sd;
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-base", "hubert-large"})
    void coversEveryTensorOfTheFullSizeArchitectures(String arch) throws Exception {
        Path dir = Fixtures.fixtures().resolve("hf-hubert");
        EncoderConfig config = EncoderConfig.read(dir.resolve(arch + "-architecture-config.json"));
        Path shapes = dir.resolve(arch + "-architecture-state-dict-shapes.txt");
        int lines = Files.readAllLines(shapes).size();
        for (boolean legacy : new boolean[] {false, true}) {
            StateDict sd = zerosFromShapeList(shapes, legacy);
            EncoderCheckpoint cp = EncoderCheckpoint.of(config, sd, Preprocessor.DEFAULT);
            assertEquals(lines, cp.weights().size());
            assertTrue(cp.weights().contains("masked_spec_embed"), "masked_spec_embed is kept");
            assertTrue(cp.weights().contains(ParameterLayout.POS_CONV_V));
        }
        // Dropping any one listed tensor must be noticed and named (checked on a spread of them).
        StateDict full = zerosFromShapeList(shapes, false);
        List<String> names = List.copyOf(full.names());
        for (int i = 0; i < names.size(); i += 17) {
            StateDict less = new StateDict(full.tensors());
            less.remove(names.get(i));
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> EncoderCheckpoint.of(config, less, Preprocessor.DEFAULT));
            assertTrue(e.getMessage().contains("missing 1: [" + names.get(i) + "]"), e.getMessage());
        }
    }

    /** A fixture folder copy whose weights file is replaced by an edited state dict. */
    private Path folderWith(String fixture, StateDict weights) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("edited-" + fixture));
        Files.copy(Fixtures.hubert(fixture).resolve("config.json"), dir.resolve("config.json"));
        SafeTensors.write(dir.resolve("model.safetensors"), weights);
        return dir;
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        StateDict sd = SafeTensors.read(Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors"));
        StateDict edited = new StateDict(sd.tensors());
        edited.remove("encoder.layers.1.feed_forward.output_dense.bias");
        Path dir = folderWith("hubert-tiny-base", edited);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("missing 1: [encoder.layers.1.feed_forward.output_dense.bias]"), e.getMessage());
    }

    @Test
    void extraTensorIsNamed() throws Exception {
        StateDict sd = SafeTensors.read(Fixtures.hubert("hubert-tiny-large").resolve("legacy-keys.safetensors"));
        StateDict edited = new StateDict(sd.tensors());
        edited.put("lm_head.weight", Tensor.ofFloats(new long[] {8, 32}, new float[256]));
        Path dir = folderWith("hubert-tiny-large", edited);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("unknown 1: [lm_head.weight]"), e.getMessage());
        assertFalse(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void wrongShapeIsNamedWithTheExpectedShape() throws Exception {
        StateDict sd = SafeTensors.read(Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors"));
        StateDict edited = new StateDict(sd.tensors());
        edited.put("encoder.layers.0.attention.q_proj.weight", Tensor.ofFloats(new long[] {32, 16}, new float[512]));
        Path dir = folderWith("hubert-tiny-base", edited);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("'encoder.layers.0.attention.q_proj.weight' has shape [32, 16], expected [32, 32]"), e.getMessage());
    }

    @Test
    void bothLegacyAndCurrentPositionalConvNamesAreRefused() throws Exception {
        StateDict sd = SafeTensors.read(Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors"));
        StateDict edited = new StateDict(sd.tensors());
        edited.put(KeyLayout.LEGACY_POS_CONV_G, sd.get(ParameterLayout.POS_CONV_G));
        Path dir = folderWith("hubert-tiny-base", edited);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains(KeyLayout.LEGACY_POS_CONV_G), e.getMessage());
    }

    @Test
    void halfBfloatAndDoubleWeightsBecomeFloat32() throws Exception {
        StateDict sd = SafeTensors.read(Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors"));
        StateDict edited = new StateDict(sd.tensors());
        // F64: exact widening of the float32 values, so the loaded values must equal the originals bit for bit.
        String d = "encoder.layers.0.feed_forward.intermediate_dense.weight";
        edited.put(d, Tensor.ofDoubles(sd.get(d).shape(), sd.get(d).toDoubleArray()));
        // F16 and BF16: values chosen to be exactly representable, written as raw bit patterns.
        String h = "encoder.layer_norm.weight";
        String b = "encoder.layer_norm.bias";
        ByteBuffer hb = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bb = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 32; i++) {
            hb.putShort((short) (i % 2 == 0 ? 0x3E00 : 0xC400)); // 1.5, -4.0 in binary16
            bb.putShort((short) (Float.floatToIntBits(i - 16.5f) >>> 16)); // i - 16.5 is exact in bfloat16
        }
        edited.put(h, new Tensor(DType.F16, new long[] {32}, hb.flip()));
        edited.put(b, new Tensor(DType.BF16, new long[] {32}, bb.flip()));
        EncoderCheckpoint cp = EncoderCheckpoint.load(folderWith("hubert-tiny-base", edited));
        for (Tensor t : cp.weights().tensors().values()) assertEquals(DType.F32, t.dtype());
        assertArrayEquals(sd.get(d).toFloatArray(), cp.weights().get(d).toFloatArray(), 0f);
        float[] hv = cp.weights().get(h).toFloatArray();
        float[] bv = cp.weights().get(b).toFloatArray();
        for (int i = 0; i < 32; i++) {
            assertEquals(i % 2 == 0 ? 1.5f : -4.0f, hv[i], 0f);
            assertEquals(i - 16.5f, bv[i], 0f);
        }
    }

    @Test
    void integerWeightsAreRefusedByName() throws Exception {
        StateDict sd = SafeTensors.read(Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors"));
        StateDict edited = new StateDict(sd.tensors());
        edited.put("masked_spec_embed", new Tensor(DType.I32, new long[] {32}, ByteBuffer.allocate(128)));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> EncoderCheckpoint.load(folderWith("hubert-tiny-base", edited)));
        assertTrue(e.getMessage().contains("'masked_spec_embed' has dtype I32"), e.getMessage());
    }

    private Path mertFolder(boolean cqt) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mert-" + cqt));
        JsonObject c = JsonParser.parseString(Files.readString(Fixtures.hubert("hubert-tiny-base").resolve("config.json"))).getAsJsonObject();
        c.addProperty("model_type", "mert_model");
        c.addProperty("feature_extractor_cqt", cqt);
        c.addProperty("deepnorm", false);
        c.addProperty("attention_relax", -1.0);
        Files.writeString(dir.resolve("config.json"), c.toString());
        Files.copy(Fixtures.hubert("hubert-tiny-base").resolve("legacy-keys.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void mertConfigWithNeutralOptionsLoadsAsTheSameArchitecture() throws Exception {
        EncoderCheckpoint mert = EncoderCheckpoint.load(mertFolder(false));
        EncoderCheckpoint hubert = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        assertEquals("mert_model", mert.config().modelType());
        assertEquals(hubert.config(), mert.config());
        assertEquals(hubert.weights().names(), mert.weights().names());
    }

    @Test
    void mertCqtOptionIsRefusedByName() throws Exception {
        Path dir = mertFolder(true);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("feature_extractor_cqt"), e.getMessage());
    }

    @Test
    void preprocessorConfigIsHonouredAndDefaultsWithoutIt() throws Exception {
        assertEquals(Preprocessor.DEFAULT, EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")).preprocessor());
        assertEquals(new Preprocessor(16000, false), Preprocessor.DEFAULT);
        Path dir = mertFolder(false);
        Files.writeString(dir.resolve(Preprocessor.FILE_NAME), "{\"do_normalize\": true, \"feature_extractor_type\":"
                + " \"Wav2Vec2FeatureExtractor\", \"feature_size\": 1, \"padding_side\": \"right\", \"padding_value\": 0,"
                + " \"return_attention_mask\": true, \"sampling_rate\": 24000}");
        assertEquals(new Preprocessor(24000, true), EncoderCheckpoint.load(dir).preprocessor());
        Files.writeString(dir.resolve(Preprocessor.FILE_NAME), "{\"feature_size\": 80, \"sampling_rate\": 16000}");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("feature_size"), e.getMessage());
    }

    @Test
    void aPreZipTorchSaveFileIsRefusedWithAHint() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("old-torch"));
        Files.copy(Fixtures.hubert("hubert-tiny-base").resolve("config.json"), dir.resolve("config.json"));
        // torch < 1.6 wrote a bare pickle stream (magic number first), not a zip archive.
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46});
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("pytorch_model.bin") && e.getMessage().contains("pre-1.6"), e.getMessage());
    }

    @Test
    void missingConfigAndMissingWeightsAreNamed() throws Exception {
        Path noWeights = Files.createDirectories(tmp.resolve("no-weights"));
        Files.copy(Fixtures.hubert("hubert-tiny-base").resolve("config.json"), noWeights.resolve("config.json"));
        assertTrue(assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(noWeights))
                .getMessage().contains("model.safetensors"));
        Path noConfig = Files.createDirectories(tmp.resolve("no-config"));
        Files.copy(Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors"), noConfig.resolve("model.safetensors"));
        assertTrue(assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(noConfig))
                .getMessage().contains("config.json is missing"));
    }

    /** Splits a fixture into two safetensors shards plus a transformers index, as save_pretrained does for big models. */
    public static Map<String, byte[]> sharded(Path fixture) throws Exception {
        StateDict sd = SafeTensors.read(fixture.resolve("model.safetensors"));
        StateDict a = new StateDict();
        StateDict b = new StateDict();
        JsonObject map = new JsonObject();
        int i = 0;
        for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
            String shard = i++ % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (shard.contains("00001-") ? a : b).put(e.getKey(), e.getValue());
            map.addProperty(e.getKey(), shard);
        }
        JsonObject index = new JsonObject();
        index.add("metadata", new JsonObject());
        index.add("weight_map", map);
        Path tmpDir = Files.createTempDirectory("shards");
        SafeTensors.write(tmpDir.resolve("a"), a);
        SafeTensors.write(tmpDir.resolve("b"), b);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", Files.readAllBytes(fixture.resolve("config.json")));
        files.put("model.safetensors.index.json", index.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        files.put("model-00001-of-00002.safetensors", Files.readAllBytes(tmpDir.resolve("a")));
        files.put("model-00002-of-00002.safetensors", Files.readAllBytes(tmpDir.resolve("b")));
        return files;
    }

    @Test
    void shardedCheckpointsLoadAndUnlistedShardTensorsAreNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Map<String, byte[]> files = sharded(Fixtures.hubert("hubert-tiny-base"));
        for (Map.Entry<String, byte[]> f : files.entrySet()) Files.write(dir.resolve(f.getKey()), f.getValue());
        EncoderCheckpoint cp = EncoderCheckpoint.load(dir);
        EncoderCheckpoint ref = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        assertEquals(ref.weights().names(), cp.weights().names());
        for (String n : ref.weights().names()) assertArrayEquals(ref.weights().get(n).toFloatArray(), cp.weights().get(n).toFloatArray(), 0f, n);
        String index = Files.readString(dir.resolve("model.safetensors.index.json"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.replaceAll(",?\"masked_spec_embed\":\"[^\"]+\"", ""));
        assertFalse(Files.readString(dir.resolve("model.safetensors.index.json")).contains("masked_spec_embed"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("holds tensor 'masked_spec_embed' that the index does not list"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void saveThenLoadRoundTrips(String fixture) throws Exception {
        EncoderCheckpoint src = EncoderCheckpoint.load(Fixtures.hubert(fixture).resolve("legacy-keys.safetensors"));
        Map<String, String> prov = new LinkedHashMap<>();
        prov.put("permerge.recipe", "test-round-trip");
        prov.put("permerge.seed", "7");
        Path out = tmp.resolve("saved");
        Preprocessor pre = new Preprocessor(16000, true);
        EncoderCheckpoint.save(out, src.config(), src.weights(), pre, prov);
        EncoderCheckpoint back = EncoderCheckpoint.load(out);
        assertEquals(src.config(), back.config());
        assertEquals(pre, back.preprocessor());
        assertEquals(KeyLayout.CURRENT, back.keyLayout());
        for (String n : src.weights().names()) {
            assertArrayEquals(src.weights().get(n).toFloatArray(), back.weights().get(n).toFloatArray(), 0f, n);
        }
        StateDict raw = SafeTensors.read(out.resolve("model.safetensors"));
        assertEquals("pt", raw.metadata().get("format"));
        assertEquals("test-round-trip", raw.metadata().get("permerge.recipe"));
        JsonObject provJson = JsonParser.parseString(Files.readString(out.resolve(EncoderCheckpoint.PROVENANCE_FILE))).getAsJsonObject();
        assertEquals("7", provJson.get("permerge.seed").getAsString());
        assertEquals("hubert", JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject()
                .get("model_type").getAsString());
        try (var files = Files.list(out)) {
            assertEquals(List.of("config.json", "model.safetensors", EncoderCheckpoint.PROVENANCE_FILE, Preprocessor.FILE_NAME),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }

    @Test
    void saveRefusesIncompleteWeights() {
        EncoderCheckpoint src = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        StateDict less = new StateDict(src.weights().tensors());
        less.remove("masked_spec_embed");
        Path out = tmp.resolve("refused");
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> EncoderCheckpoint.save(out, src.config(), less, Preprocessor.DEFAULT, Map.of()));
        assertTrue(e.getMessage().contains("masked_spec_embed"), e.getMessage());
        assertFalse(Files.exists(out.resolve("model.safetensors")));
    }
}
