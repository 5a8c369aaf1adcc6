package org.permerge.merge;

import org.permerge.testing.PairedTaps;
import org.permerge.match.Alignment;
import org.permerge.match.MergeRecipe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.model.EncoderConfig;
import org.permerge.model.ParameterLayout;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;
import org.permerge.testing.Fixtures;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A merge end to end: statistics → matching → interpolation → REPAIR → Hugging Face folder that reloads. */
class ModelMergeTest {
    static EncoderCheckpoint a, b;
    static AlignmentStatistics stats;
    static Permutations planted;

    @BeforeAll
    static void setUp() {
        a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        EncoderConfig c = a.config();
        PermutationSpec spec = PermutationSpec.hubert(c);
        // B: a nearby model in another basis (A perturbed, then every space permuted).
        planted = Permutations.random(c, spec.spaces().keySet(), 77);
        StateDict bw = spec.apply(InterpolationTest.perturbed(a.weights(), 0.3, 78), planted);
        b = EncoderCheckpoint.of(c, bw, a.preprocessor());
        stats = AlignmentStatistics.builder().setConfigA(c).setConfigB(c)
                .optProvenance("calibration.manifest", "noise").optProvenance("calibration.sha256", "abc123").build();
        PairedTaps.feed(stats, c, a.weights(), b.weights(), PairedTaps.noise(4, 16000, 79));
    }

    @Test
    void mergedFolderReloadsWithTransformersKeysShapesAndProvenance(@TempDir Path dir) throws Exception {
        ModelMerge.Result r = ModelMerge.builder().setModelA(a).setModelB(b).setStatistics(stats)
                .setRecipe(MergeRecipe.CNN_FF_ATTN).setLambda(Lambda.parse("0.9,cnn=0.5")).optRepair(Repair.Mode.CLOSED, null).build().run();
        Path out = dir.resolve("merged");
        r.save(out);
        EncoderCheckpoint back = EncoderCheckpoint.load(out);
        Map<String, long[]> expected = ParameterLayout.expectedShapes(a.config());
        assertEquals(expected.keySet(), back.weights().names());
        for (String n : expected.keySet()) assertArrayEquals(expected.get(n), back.weights().get(n).shape(), n);
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"model_type\": \"hubert\""));
        var prov = com.google.gson.JsonParser.parseString(Files.readString(out.resolve(EncoderCheckpoint.PROVENANCE_FILE))).getAsJsonObject();
        assertEquals("cnn+ff+attn", prov.get("merge.recipe").getAsString());
        assertEquals(Lambda.parse("0.9,cnn=0.5"), Lambda.parse(prov.get("merge.lambda").getAsString()));
        assertEquals("closed", prov.get("merge.repair").getAsString());
        assertEquals("noise", prov.get("calibration.manifest").getAsString());
        assertEquals("abc123", prov.get("calibration.sha256").getAsString());
        assertEquals(stats.framesPerSpace().get("ffn.0").toString(), prov.get("frames.ffn.0").getAsString());
        assertTrue(prov.has("permerge.version"));
        // The weights on disk are the merged ones.
        String n = "encoder.layers.1.attention.out_proj.weight";
        assertArrayEquals(r.merged().weights().get(n).toFloatArray(), back.weights().get(n).toFloatArray());
    }

    @Test
    void diagnosticsShowTableTwoAndMatchedCorrelationForTheRecipesSpaces() {
        ModelMerge.Result r = ModelMerge.builder().setModelA(a).setModelB(b).setStatistics(stats)
                .setRecipe(MergeRecipe.CNN_FF_ATTN).setLambda(Lambda.global(0.9)).build().run();
        Table t = r.diagnostics();
        EncoderConfig c = a.config();
        assertEquals(PermutationSpec.hubert(c).spaces().size(), t.rowCount());
        for (int i = 0; i < t.rowCount(); i++) {
            String space = t.stringColumn("space").get(i);
            boolean permuted = t.stringColumn("permuted").get(i).equals("yes");
            assertEquals(space.startsWith("cnn.") || space.startsWith("ffn.") || space.startsWith("attn."), permuted, space);
            // Q/K heads follow the attn heads even when the recipe leaves qk alone (the authors' defect 2).
            if (space.startsWith("qk.")) {
                assertEquals("heads only", t.stringColumn("permuted").get(i));
                int[] heads = r.alignment().match("attn." + space.substring(3)).blockOrder();
                assertEquals(100 * Permutations.movedFraction(heads), t.doubleColumn("moved %").get(i), 1e-9, space);
                continue;
            }
            double before = t.doubleColumn("corr identity").get(i), after = t.doubleColumn("corr matched").get(i);
            if (permuted) {
                // B is A in another basis: matching finds it (nearly everything moves, correlation rises).
                assertTrue(t.doubleColumn("moved %").get(i) >= 80, space);
                assertTrue(after > before + 0.2, space + " " + before + " -> " + after);
            } else {
                assertEquals(0.0, t.doubleColumn("moved %").get(i));
                assertEquals(before, after);
            }
        }
        assertFalse(t.stringColumn("head/group assignment").get(t.stringColumn("space").indexOf("attn.0")).isEmpty());
        // λ = 0 is B permuted by what matching found, exactly.
        ModelMerge.Result zero = ModelMerge.builder().setModelA(a).setModelB(b).setStatistics(stats)
                .setRecipe(MergeRecipe.CNN_ALL).setLambda(Lambda.global(0)).build().run();
        StateDict pb = PermutationSpec.hubert(c).apply(b.weights(), zero.alignment().permutations());
        for (String n : pb.names()) assertArrayEquals(pb.get(n).toFloatArray(), zero.merged().weights().get(n).toFloatArray(), n);
    }

    @Test
    void aPrecomputedAlignmentGivesTheSameMergeAndMustBeTheRecipes() {
        Alignment solved = Alignment.solve(stats, MergeRecipe.CNN_FF_ATTN);
        Lambda lambda = Lambda.parse("0.7,ffn=0.4");
        ModelMerge.Result own = ModelMerge.builder().setModelA(a).setModelB(b).setStatistics(stats).setRecipe(MergeRecipe.CNN_FF_ATTN)
                .setLambda(lambda).optRepair(Repair.Mode.CLOSED, null).build().run();
        ModelMerge.Result given = ModelMerge.builder().setModelA(a).setModelB(b).setStatistics(stats).setRecipe(MergeRecipe.CNN_FF_ATTN)
                .setLambda(lambda).optRepair(Repair.Mode.CLOSED, null).optAlignment(solved).build().run();
        assertSame(solved, given.alignment());
        for (String n : own.merged().weights().names()) {
            assertArrayEquals(own.merged().weights().get(n).toFloatArray(), given.merged().weights().get(n).toFloatArray(), n);
        }
        assertEquals(own.provenance(), given.provenance());
        assertEquals(own.repairs().size(), given.repairs().size());
        // An alignment of another recipe would merge with the wrong permutations.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelMerge.builder().setModelA(a).setModelB(b)
                .setStatistics(stats).setRecipe(MergeRecipe.CNN_ALL).setLambda(lambda).optAlignment(solved).build());
        assertTrue(e.getMessage().contains("cnn+ff+attn") && e.getMessage().contains("cnn+all"), e.getMessage());
    }

    @Test
    void aStatisticsFileGivesTheSameMergeAsStatisticsInMemory(@TempDir Path dir) {
        Path f = dir.resolve("stats.safetensors");
        stats.save(f);
        StatisticsFile file = StatisticsFile.open(f);
        Alignment fromFile = Alignment.solve(file, MergeRecipe.CNN_ALL, AlignmentStatistics.ResidualPooling.ALL);
        Alignment inMemory = Alignment.solve(stats, MergeRecipe.CNN_ALL);
        assertEquals(inMemory.permutations(), fromFile.permutations());
        assertEquals(stats.framesPerSpace(), file.framesPerSpace());
        assertArrayEquals(stats.preActivation("ffn.1").correlation(), file.preActivation("ffn.1").correlation());
        assertArrayEquals(stats.preActivationUnits("attn.0", false).mean(), file.preActivationUnits("attn.0", false).mean());
        assertEquals("abc123", file.provenance().get("calibration.sha256"));
    }

    @Test
    void aStatisticsFileWithUnitOnlyPreActivationsServesMeasuredButNotClosedFormRepair(@TempDir Path dir) {
        EncoderConfig c = a.config();
        AlignmentStatistics units = AlignmentStatistics.builder().setConfigA(c).setConfigB(c)
                .optPreActivation(AlignmentStatistics.PreActivation.UNITS).build();
        PairedTaps.feed(units, c, a.weights(), b.weights(), PairedTaps.noise(2, 8000, 80));
        Path f = dir.resolve("units.safetensors");
        units.save(f);
        StatisticsFile file = StatisticsFile.open(f);
        assertNull(file.preActivation("ffn.0"));
        assertArrayEquals(units.preActivationUnits("ffn.0", true).mean(), file.preActivationUnits("ffn.0", true).mean());
        assertArrayEquals(units.preActivationUnits("ffn.1", false).m2(), file.preActivationUnits("ffn.1", false).m2());
        var e = assertThrows(IllegalArgumentException.class, () -> Repair.closedFormPlan(file, Permutations.identity(), Lambda.global(0.5)));
        assertTrue(e.getMessage().contains("UNITS"), e.getMessage());
    }

    @Test
    void mismatchedInputsAreRefusedByName() {
        var e = assertThrows(NullPointerException.class, () -> ModelMerge.builder().setModelA(a).setModelB(b).build());
        assertTrue(e.getMessage().contains("setStatistics"));
        var m = assertThrows(IllegalArgumentException.class, () -> ModelMerge.builder().setModelA(a).setModelB(b).setStatistics(stats)
                .setRecipe(MergeRecipe.CNN).setLambda(Lambda.global(0.5)).optRepair(Repair.Mode.MEASURED, null).build());
        assertTrue(m.getMessage().contains("measured REPAIR needs calibration audio"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MergeRecipe.parse("cnn+ffn")).getMessage().contains("cnn+ff+attn"));
        assertEquals(MergeRecipe.CNN_ALL, MergeRecipe.parse("cnn+all"));
        assertEquals(Arrays.asList("cnn", "ffn", "attn"), MergeRecipe.CNN_FF_ATTN.families().stream().sorted((x, y) ->
                List.of("cnn", "ffn", "attn").indexOf(x) - List.of("cnn", "ffn", "attn").indexOf(y)).toList());
    }
}
