package org.permerge.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.permerge.bench.Domain;
import java.util.List;
import org.junit.jupiter.api.Test;

class StudyConfigTest {
    @Test
    void presetsCoverThePaperDesign() {
        StudyConfig mini = StudyConfig.load("mini");
        assertEquals(List.of("identity", "cnn", "cnn+ff", "ff+attn", "cnn+ff+attn", "cnn+all"), mini.recipes());
        assertEquals(0.9, mini.lambda());
        assertEquals(List.of(1.0, 0.9, 0.8, 0.5, 0.2, 0.1, 0.0), mini.sweepLambdas());
        assertEquals(List.of("identity", "cnn+ff+attn"), mini.sweepRecipes());
        assertTrue(mini.repairModes().contains("none") && mini.repairModes().size() == 2);
        assertEquals(3, mini.tasks().stream().filter(t -> t.domain() == Domain.SPEECH).count());
        assertEquals(3, mini.tasks().stream().filter(t -> t.domain() == Domain.MUSIC).count());

        StudyConfig ci = StudyConfig.load("ci");
        assertEquals(2, ci.tasks().size());
        assertEquals(2, ci.recipes().size());
        assertNull(ci.modelB().randomSeed(), "the ci preset runs the committed mini encoders, not a random stand-in");
        assertEquals("data-manifests/models/mini-music", ci.modelB().path());
        assertEquals(List.of("identity", "cnn+ff+attn"), ci.allRecipes());
    }

    @Test
    void badConfigsNameTheField() {
        String base = "{\"name\":\"x\",\"model_a\":{\"path\":\"a\"},\"model_b\":{\"path\":\"b\"},"
                + "\"corpora\":{\"speech\":{},\"music\":{}},\"recipes\":[\"identity\"],";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StudyConfig.parse(base + "\"tasks\":[]}", "t.json"));
        assertTrue(e.getMessage().contains("t.json") && e.getMessage().contains("tasks"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse(base
                + "\"tasks\":[{\"name\":\"w\",\"domain\":\"speech\",\"label\":\"w\"}],\"lambda\":1.5}", "t.json"));
        assertTrue(e.getMessage().contains("λ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse(base
                + "\"tasks\":[{\"name\":\"w\",\"domain\":\"video\",\"label\":\"w\"}]}", "t.json"));
        assertTrue(e.getMessage().contains("video"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse(base.replace("[\"identity\"]", "[\"cnn+everything\"]")
                + "\"tasks\":[{\"name\":\"w\",\"domain\":\"speech\",\"label\":\"w\"}]}", "t.json"));
        assertTrue(e.getMessage().contains("cnn+everything"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.load("no-such-preset"));
        assertTrue(e.getMessage().contains("mini"), e.getMessage());
    }
}
