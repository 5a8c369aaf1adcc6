package org.permerge.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** Hostile and malformed config.json files are refused up front, naming the field and what was expected. */
class EncoderConfigTest {
    @TempDir
    Path tmp;

    private static JsonObject base() throws Exception {
        return JsonParser.parseString(Files.readString(Fixtures.hubert("hubert-tiny-base").resolve("config.json"))).getAsJsonObject();
    }

    /** Writes an edited copy of the tiny config, reads it expecting an error, checks the file is untouched; returns the message. */
    private String refused(Consumer<JsonObject> edit) throws Exception {
        JsonObject o = base();
        edit.accept(o);
        Path file = tmp.resolve("config.json");
        Files.writeString(file, o.toString());
        byte[] before = Files.readAllBytes(file);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> EncoderConfig.read(file));
        assertArrayEquals(before, Files.readAllBytes(file), "the config file is left as it was");
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void theFixtureConfigsStillParse() throws Exception {
        EncoderConfig c = EncoderConfig.fromJson(base(), "tiny");
        assertEquals(32, c.hiddenSize());
        assertEquals(1e-5, c.layerNormEps());
        assertTrue(EncoderConfig.hasMaskedSpecEmbed(base(), "tiny"), "mask_time_prob 0.05 in the fixture");
    }

    @ParameterizedTest
    @CsvSource({"-1", "0", "0.0", "-1e-5"})
    void aLayerNormEpsilonThatIsNotPositiveIsRefused(String eps) throws Exception {
        String m = refused(o -> o.add("layer_norm_eps", JsonParser.parseString(eps)));
        assertTrue(m.contains("'layer_norm_eps'") && m.contains("finite number > 0"), m);
    }

    @Test
    void aNonFiniteLayerNormEpsilonIsRefused() throws Exception {
        // Gson reads the non-standard NaN literal that Python's json module writes.
        JsonObject o = base();
        Path file = tmp.resolve("config.json");
        Files.writeString(file, o.toString().replaceAll("\"layer_norm_eps\":[^,}]*", "\"layer_norm_eps\":NaN"));
        assertTrue(Files.readString(file).contains("NaN"));
        String m = assertThrows(CheckpointFormatException.class, () -> EncoderConfig.read(file)).getMessage();
        assertTrue(m.contains("layer_norm_eps"), m);
        m = refused(x -> x.addProperty("layer_norm_eps", "1e-5"));
        assertTrue(m.contains("'layer_norm_eps' is the string \"1e-5\", expected a number"), m);
    }

    @Test
    void anIntegerBeyondIntIsNotWrapped() throws Exception {
        // 4294967328 = 2^32 + 32: a narrowing conversion would read it as 32 and the checkpoint would "fit".
        String m = refused(o -> o.add("hidden_size", JsonParser.parseString("4294967328")));
        assertTrue(m.contains("'hidden_size' is 4294967328, expected an integer"), m);
        m = refused(o -> o.add("num_attention_heads", JsonParser.parseString("4.5")));
        assertTrue(m.contains("'num_attention_heads' is 4.5, expected an integer"), m);
        m = refused(o -> o.addProperty("intermediate_size", "64"));
        assertTrue(m.contains("'intermediate_size' is the string \"64\", expected an integer"), m);
    }

    @ParameterizedTest
    @CsvSource({"num_attention_heads", "num_conv_pos_embedding_groups", "hidden_size", "num_hidden_layers",
            "intermediate_size", "num_conv_pos_embeddings"})
    void zeroOrNegativeSizesAreRefusedByName(String field) throws Exception {
        for (int v : new int[] {0, -4}) {
            String m = refused(o -> o.addProperty(field, v));
            assertTrue(m.contains(field + " is " + v + ", expected an integer >= 1"), m);
        }
    }

    @ParameterizedTest
    @CsvSource({"conv_stride", "conv_kernel", "conv_dim"})
    void aZeroInTheConvStackIsRefusedByName(String field) throws Exception {
        String m = refused(o -> o.getAsJsonArray(field).set(3, JsonParser.parseString("0")));
        assertTrue(m.contains(field + "[3] is 0, expected an integer >= 1"), m);
    }

    @Test
    void wrongJsonTypesNameTheFieldAndTheExpectedType() throws Exception {
        String m = refused(o -> o.add("hidden_act", JsonNull.INSTANCE));
        assertTrue(m.contains("'hidden_act' is null, expected a string such as 'gelu'"), m);
        m = refused(o -> {
            JsonArray a = new JsonArray();
            a.add(new JsonObject());
            o.add("conv_dim", a);
        });
        assertTrue(m.contains("'conv_dim[0]' is an object {}, expected an integer"), m);
        m = refused(o -> o.addProperty("conv_kernel", 3));
        assertTrue(m.contains("'conv_kernel' is the number 3, expected a list of integers"), m);
        m = refused(o -> o.remove("hidden_size"));
        assertTrue(m.contains("'hidden_size' is missing, expected an integer"), m);
        m = refused(o -> o.addProperty("do_stable_layer_norm", "yes"));
        assertTrue(m.contains("'do_stable_layer_norm' is the string \"yes\", expected true or false"), m);
        m = refused(o -> o.add("feat_extract_norm", JsonNull.INSTANCE));
        assertTrue(m.contains("'feat_extract_norm' is null, expected a string"), m);
    }

    @Test
    void hugeDeclaredSizesAreRefusedBeforeAnythingIsAllocated() throws Exception {
        // A 1 KB config declaring 2e9 layers: refused at once by a stated bound (the layout alone would need 30e9 entries).
        String m = refused(o -> o.addProperty("num_hidden_layers", 2_000_000_000));
        assertTrue(m.contains("num_hidden_layers 2000000000 is more than the supported " + EncoderConfig.MAX_LAYERS), m);
        assertTrue(Files.size(tmp.resolve("config.json")) < 1500);
        m = refused(o -> {
            o.addProperty("hidden_size", 65536);
            o.addProperty("num_attention_heads", 1);
            o.addProperty("num_conv_pos_embedding_groups", 1);
        });
        assertTrue(m.contains("attention projections") && m.contains("more than the " + EncoderConfig.MAX_TENSOR_ELEMENTS), m);
        m = refused(o -> {
            JsonArray a = new JsonArray();
            for (int i = 0; i < 100; i++) a.add(16);
            o.add("conv_dim", a);
            o.add("conv_kernel", a);
            o.add("conv_stride", a);
        });
        assertTrue(m.contains("lists 100 conv blocks, more than the supported " + EncoderConfig.MAX_CONV_LAYERS), m);
        m = refused(o -> o.add("conv_stride", JsonParser.parseString("[65536, 65536, 65536, 2, 2, 2, 2]")));
        assertTrue(m.contains("receptive field or total stride above the supported"), m);
    }

    @Test
    void headsAndGroupsMustDivideTheHiddenSize() throws Exception {
        String m = refused(o -> o.addProperty("num_attention_heads", 5));
        assertTrue(m.contains("hidden_size 32 is not divisible by num_attention_heads 5"), m);
        m = refused(o -> o.addProperty("num_conv_pos_embedding_groups", 3));
        assertTrue(m.contains("hidden_size 32 is not divisible by num_conv_pos_embedding_groups 3"), m);
    }

    @Test
    void theRecordItselfRefusesDegenerateValues() {
        // Direct construction (as the pretraining code does) gets the same checks, without a file name.
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> new EncoderConfig(new int[] {8}, new int[] {3},
                new int[] {0}, false, "group", 8, 1, 2, 16, 4, 2, 1e-5, false, "hubert"));
        assertTrue(e.getMessage().contains("conv_stride[0] is 0"), e.getMessage());
        e = assertThrows(CheckpointFormatException.class, () -> new EncoderConfig(new int[] {8}, new int[] {3},
                new int[] {1}, false, "group", 8, 1, 2, 16, 4, 2, Double.NaN, false, "hubert"));
        assertTrue(e.getMessage().contains("layer_norm_eps NaN"), e.getMessage());
    }

    @Test
    void maskedSpecEmbedExistsOnlyWhenMaskingIsEnabled() throws Exception {
        JsonObject o = base();
        o.addProperty("mask_time_prob", 0.0);
        assertFalse(EncoderConfig.hasMaskedSpecEmbed(o, "x"));
        o.addProperty("mask_feature_prob", 0.1);
        assertTrue(EncoderConfig.hasMaskedSpecEmbed(o, "x"));
        o.remove("mask_time_prob");
        o.remove("mask_feature_prob");
        assertTrue(EncoderConfig.hasMaskedSpecEmbed(o, "x"), "transformers' default mask_time_prob is 0.05");
        JsonElement bad = JsonParser.parseString("\"high\"");
        o.add("mask_time_prob", bad);
        assertTrue(assertThrows(CheckpointFormatException.class, () -> EncoderConfig.hasMaskedSpecEmbed(o, "x"))
                .getMessage().contains("'mask_time_prob' is the string \"high\", expected a number"));
    }
}
