package org.permerge.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.permerge.bench.Domain;
import org.permerge.merge.Component;
import org.permerge.merge.Lambda;
import org.permerge.match.MergeRecipe;
import org.permerge.merge.Repair;
import java.util.List;
import org.junit.jupiter.api.Test;

class StudyConfigTest {
    @Test
    void presetsCoverThePaperDesign() {
        StudyConfig mini = StudyConfig.load("mini");
        assertEquals(List.of("identity", "cnn", "cnn+ff", "ff+attn", "cnn+ff+attn", "cnn+all"), labels(mini.recipes()));
        assertEquals(Lambda.global(0.9), mini.lambda());
        assertEquals(List.of(1.0, 0.9, 0.8, 0.5, 0.2, 0.1, 0.0).stream().map(Lambda::global).toList(), mini.sweepLambdas());
        assertEquals(List.of("identity", "cnn+ff+attn"), labels(mini.sweepRecipes()));
        assertTrue(mini.repairModes().contains(Repair.Mode.NONE) && mini.repairModes().size() == 2);
        assertEquals(3, mini.tasks().stream().filter(t -> t.domain() == Domain.SPEECH).count());
        assertEquals(3, mini.tasks().stream().filter(t -> t.domain() == Domain.MUSIC).count());

        StudyConfig ci = StudyConfig.load("ci");
        assertEquals(2, ci.tasks().size());
        assertEquals(2, ci.recipes().size());
        assertNull(ci.modelB().randomSeed(), "the ci preset runs the committed mini encoders, not a random stand-in");
        assertEquals("data-manifests/models/mini-music", ci.modelB().path());
        assertEquals(List.of("identity", "cnn+ff+attn"), ci.allRecipes());
    }

    private static List<String> labels(List<MergeRecipe> recipes) {
        return recipes.stream().map(MergeRecipe::label).toList();
    }

    @Test
    void lambdaAndRepairAreParsedAsTheCliDoes() {
        String base = "{\"name\":\"x\",\"model_a\":{\"path\":\"a\"},\"model_b\":{\"path\":\"b\"},"
                + "\"corpora\":{\"speech\":{},\"music\":{}},\"recipes\":[\"identity\",\"CNN+FF+ATTN\"],"
                + "\"tasks\":[{\"name\":\"w\",\"domain\":\"speech\",\"label\":\"w\"}],";
        StudyConfig c = StudyConfig.parse(base + "\"lambda\":\"0.9,cnn=0.5,ffn=0.8\","
                + "\"sweep\":{\"recipes\":[\"identity\"],\"lambdas\":[1,\"0.5,cnn=0\"],\"repair\":[\"none\",\"measured\"]}}", "t.json");
        assertEquals(Lambda.parse("0.9,cnn=0.5,ffn=0.8"), c.lambda());
        assertEquals(0.5, c.lambda().of(Component.CNN));
        assertEquals(0.8, c.lambda().of(Component.FFN));
        assertEquals(0.9, c.lambda().of(Component.ATTENTION));
        assertEquals(List.of(Lambda.global(1), Lambda.parse("0.5,cnn=0")), c.sweepLambdas());
        assertEquals(List.of(Repair.Mode.NONE, Repair.Mode.MEASURED), c.repairModes());
        assertEquals(Repair.Mode.MEASURED, c.repairMode());
        assertEquals(List.of(MergeRecipe.IDENTITY, MergeRecipe.CNN_FF_ATTN), c.mergeRecipes());
        assertEquals("cnn+ff+attn λ=0.9,cnn=0.5,ffn=0.8", SweepPoint.of(MergeRecipe.CNN_FF_ATTN, c.lambda(), Repair.Mode.NONE).model());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse(base
                + "\"lambda\":\"0.9,cnm=0.5\"}", "t.json"));
        assertTrue(e.getMessage().contains("'lambda'") && e.getMessage().contains("cnm"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse(base
                + "\"sweep\":{\"repair\":[\"sometimes\"]}}", "t.json"));
        assertTrue(e.getMessage().contains("sweep.repair") && e.getMessage().contains("sometimes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse(base
                + "\"sweep\":{\"lambdas\":[0.5, -0.1]}}", "t.json"));
        assertTrue(e.getMessage().contains("sweep.lambdas") && e.getMessage().contains("-0.1"), e.getMessage());
    }

    @Test
    void miniComparesTwoPairsOnLargeSetsAndSinglePairFilesLoadAsOnePair() {
        StudyConfig mini = StudyConfig.load("mini");
        assertEquals(List.of("independent", "shared-init"), mini.pairs().stream().map(StudyConfig.Pair::name).toList());
        assertEquals(mini.modelA(), mini.pairs().get(0).modelA());
        assertEquals(false, mini.pairs().get(0).sharedInit());
        assertEquals(true, mini.pairs().get(1).sharedInit());
        assertEquals(org.permerge.bench.Pooling.MEAN_STD, mini.pooling());
        assertEquals(0, mini.comparisonCaps().test(), "the comparisons' rows are tested on every test clip");
        assertTrue(mini.comparisonCaps().train() >= mini.maxClipsPerSplit() && mini.comparisonCaps().dev() >= mini.maxClipsPerSplit(),
                "the sweep's small sets must lie inside the comparisons' large ones");
        assertEquals(java.util.Set.of("cnn+ff+attn λ=0.9", "identity λ=0.9", "cnn+ff+attn λ=0.5", "identity λ=0.5",
                "cnn+ff+attn λ=0.9 +REPAIR", "identity λ=0.9 +REPAIR", "cnn+all λ=0.9"), mini.comparisonRows());
        StudyConfig single = StudyConfig.parse("{\"name\":\"x\",\"model_a\":{\"path\":\"a\"},\"model_b\":{\"path\":\"b\"},"
                + "\"corpora\":{\"speech\":{},\"music\":{}},\"recipes\":[\"identity\"],"
                + "\"tasks\":[{\"name\":\"w\",\"domain\":\"speech\",\"label\":\"w\"}]}", "t.json");
        assertEquals(1, single.pairs().size());
        assertEquals(org.permerge.bench.Pooling.MEAN, single.pooling(), "files from before pooling was a setting keep mean pooling");
        assertEquals(org.permerge.bench.SplitCaps.all(), single.comparisonCaps());
        IllegalArgumentException notNested = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse(
                "{\"name\":\"x\",\"model_a\":{\"path\":\"a\"},\"model_b\":{\"path\":\"b\"},\"corpora\":{\"speech\":{},\"music\":{}},\"recipes\":[\"identity\"],"
                + "\"tasks\":[{\"name\":\"w\",\"domain\":\"speech\",\"label\":\"w\"}],\"max_clips_per_split\":100,"
                + "\"comparison_clips\":{\"train\":50}}", "t.json"));
        assertTrue(notNested.getMessage().contains("comparison_clips") && notNested.getMessage().contains("100"), notNested.getMessage());
        assertEquals(4, mini.comparisons().size());
        StudyConfig.Comparison first = mini.comparisons().get(0);
        assertEquals("cnn+ff+attn λ=0.9", first.a().row());
        assertEquals("identity λ=0.9", first.b().row());
        assertEquals("cnn+ff+attn λ=0.9 +REPAIR", mini.comparisons().get(2).a().row());
        assertEquals("cnn+all λ=0.9", mini.comparisons().get(3).a().row());
        assertEquals(1, StudyConfig.load("ci").pairs().size());
        assertEquals(List.of(), StudyConfig.load("ci").comparisons());
    }

    @Test
    void pairsAndComparisonsAreChecked() {
        String tail = "\"corpora\":{\"speech\":{},\"music\":{}},\"recipes\":[\"identity\",\"cnn\"],"
                + "\"tasks\":[{\"name\":\"w\",\"domain\":\"speech\",\"label\":\"w\"}]";
        String pairs = "\"pairs\":[{\"name\":\"ind\",\"model_a\":\"a\",\"model_b\":\"b\",\"shared_init\":false},"
                + "{\"name\":\"shared\",\"model_a\":{\"path\":\"a\",\"label\":\"A\"},\"model_b\":\"b2\",\"shared_init\":true}],";
        StudyConfig c = StudyConfig.parse("{\"name\":\"x\"," + pairs + tail + "}", "t.json");
        assertEquals(List.of("ind", "shared"), c.pairs().stream().map(StudyConfig.Pair::name).toList());
        assertEquals("b2", c.pairs().get(1).modelB().path());
        assertTrue(c.pairs().get(1).sharedInit());
        assertEquals(List.of(c.pairs().get(1)), c.forPair(c.pairs().get(1)).pairs());
        assertEquals("b2", c.forPair(c.pairs().get(1)).modelB().path());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse("{\"name\":\"x\","
                + pairs.replace("\"shared\"", "\"ind\"") + tail + "}", "t.json"));
        assertTrue(e.getMessage().contains("ind") && e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse("{\"name\":\"x\","
                + pairs.replace(",\"shared_init\":true", "") + tail + "}", "t.json"));
        assertTrue(e.getMessage().contains("pairs[1].shared_init"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse("{\"name\":\"x\",\"model_a\":{\"path\":\"a\"}," + pairs + tail + "}", "t.json"));
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
        // a comparison may only name merges the study makes
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse("{\"name\":\"x\"," + pairs + tail
                + ",\"comparisons\":[{\"name\":\"k\",\"a\":{\"recipe\":\"cnn\",\"lambda\":0.5},\"b\":{\"recipe\":\"identity\"}}]}", "t.json"));
        assertTrue(e.getMessage().contains("'k'") && e.getMessage().contains("cnn λ=0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StudyConfig.parse("{\"name\":\"x\"," + pairs + tail
                + ",\"comparisons\":[{\"name\":\"k\",\"a\":{\"recipe\":\"cnn\",\"repair\":\"closed\"},\"b\":{\"recipe\":\"identity\"}}]}", "t.json"));
        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("sweep.repair"), e.getMessage());
        StudyConfig ok = StudyConfig.parse("{\"name\":\"x\"," + pairs + tail
                + ",\"comparisons\":[{\"name\":\"k\",\"a\":{\"recipe\":\"cnn\"},\"b\":{\"recipe\":\"identity\",\"lambda\":\"0.9\"}}]}", "t.json");
        assertEquals(ok.lambda(), ok.comparisons().get(0).a().lambda(), "an arm without λ takes the main λ");
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
