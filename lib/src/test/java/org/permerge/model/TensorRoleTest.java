package org.permerge.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorRoleTest {
    /** Every tensor transformers lists for both layouts has a role with one axis rule per dimension of its shape. */
    @ParameterizedTest
    @CsvSource({
            "hubert-tiny-base/config.json, hubert-tiny-base/state_dict_keys.txt",
            "hubert-tiny-large/config.json, hubert-tiny-large/state_dict_keys.txt",
            "hubert-base-architecture-config.json, hubert-base-architecture-state-dict-shapes.txt",
            "hubert-large-architecture-config.json, hubert-large-architecture-state-dict-shapes.txt"})
    void everyTransformersTensorIsClassifiedWithItsRank(String config, String keys) throws Exception {
        Path dir = Fixtures.fixtures().resolve("hf-hubert");
        for (String line : Files.readAllLines(dir.resolve(keys))) {
            String[] f = line.split("\t");
            String name = f[0].replace(".weight_g", "").replace(".weight_v", "");
            if (!name.equals(f[0])) continue; // old weight-norm names are renamed on load, not classified
            int rank = f[1].replace(" ", "").replaceAll("[\\[\\]()]", "").split(",").length;
            TensorRole.Classified t = TensorRole.classify(f[0]);
            assertEquals(rank, t.role().axes().size(), f[0]);
        }
    }

    /** Hand-checked rows: space of each axis, λ component, summary group, REPAIR site. */
    @Test
    void handCheckedRows() {
        EncoderConfig c = EncoderConfig.read(Fixtures.hubert("hubert-tiny-base").resolve("config.json"));
        int last = c.numConvLayers() - 1;
        TensorRole.Classified conv0 = TensorRole.classify("feature_extractor.conv_layers.0.conv.weight");
        assertEquals("cnn.0", conv0.space(0, c));
        assertNull(conv0.space(1, c), "block 0's input is the waveform");
        TensorRole.Classified conv2 = TensorRole.classify("feature_extractor.conv_layers.2.conv.weight");
        assertEquals("cnn.1", conv2.space(1, c));
        assertEquals("norms", TensorRole.classify("feature_extractor.conv_layers.0.layer_norm.bias").role().component());
        assertEquals(TensorRole.Group.CNN, TensorRole.classify("feature_extractor.conv_layers.0.layer_norm.bias").role().group());
        TensorRole.Classified proj = TensorRole.classify("feature_projection.projection.weight");
        assertEquals("residual", proj.space(0, c));
        assertEquals("cnn." + last, proj.space(1, c));
        assertEquals(TensorRole.Group.NORMS, TensorRole.classify("feature_projection.layer_norm.weight").role().group());
        TensorRole.Classified v = TensorRole.classify(ParameterLayout.POS_CONV_V);
        assertTrue(v.withinBlocks(1) && !v.withinBlocks(0));
        assertEquals("pos_conv", TensorRole.classify(ParameterLayout.POS_CONV_G).role().component());
        TensorRole.Classified ffn = TensorRole.classify("encoder.layers.1.feed_forward.intermediate_dense.weight");
        assertTrue(ffn.role().isRepairSite());
        assertEquals("ffn.1", ffn.repairSpace(c));
        assertEquals("encoder.layers.1.feed_forward.intermediate_dense.bias", ffn.repairBias());
        TensorRole.Classified val = TensorRole.classify("encoder.layers.0.attention.v_proj.weight");
        assertEquals("attn.0", val.repairSpace(c));
        assertEquals("encoder.layers.0.attention.out_proj.input", val.repairTap());
        TensorRole.Classified q = TensorRole.classify("encoder.layers.0.attention.q_proj.weight");
        assertFalse(q.role().isRepairSite());
        assertEquals("qk.0", q.space(0, c));
        assertEquals("norms", TensorRole.classify("encoder.layers.3.final_layer_norm.weight").role().component());
        assertEquals(3, TensorRole.classify("encoder.layers.3.final_layer_norm.weight").index());
        assertEquals(TensorRole.Group.OTHER, TensorRole.classify("masked_spec_embed").role().group());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorRole.classify("encoder.layers.0.adapter.weight"));
        assertTrue(e.getMessage().contains("encoder.layers.0.adapter.weight"), e.getMessage());
    }
}
