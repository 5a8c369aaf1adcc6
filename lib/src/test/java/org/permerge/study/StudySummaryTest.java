package org.permerge.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.bench.Domain;
import org.permerge.bench.Holm;
import org.permerge.bench.PairedBootstrap;
import org.permerge.bench.ScoreTable;
import org.permerge.testing.Outcomes;
import org.permerge.bench.TaskSpec;
import org.permerge.match.Alignment;

/** summary.json: two pairs' results through the per-pair summary code, the schema check, and a round trip. */
class StudySummaryTest {
    private static final TaskSpec WORD = TaskSpec.classification("word", Domain.SPEECH, "word");
    private static final TaskSpec FAMILY = TaskSpec.classification("family", Domain.MUSIC, "family");
    private static final String CONFIG = "{\"name\":\"two\",\"pairs\":["
            + "{\"name\":\"independent\",\"model_a\":{\"path\":\"m/a\",\"label\":\"A (speech)\"},\"model_b\":{\"path\":\"m/b\",\"label\":\"B (music)\"},\"shared_init\":false},"
            + "{\"name\":\"shared\",\"model_a\":{\"path\":\"m/a\",\"label\":\"A (speech)\"},\"model_b\":\"m/b2\",\"shared_init\":true}],"
            + "\"corpora\":{\"speech\":{},\"music\":{}},\"tasks\":[{\"name\":\"word\",\"domain\":\"speech\",\"label\":\"word\"},"
            + "{\"name\":\"family\",\"domain\":\"music\",\"label\":\"family\"}],\"recipes\":[\"identity\",\"cnn+ff+attn\"],\"lambda\":0.9,"
            + "\"sweep\":{\"recipes\":[\"identity\",\"cnn+ff+attn\"],\"lambdas\":[0.5],\"repair\":[\"none\",\"closed\"]},"
            + "\"comparisons\":[{\"name\":\"main\",\"a\":{\"recipe\":\"cnn+ff+attn\",\"lambda\":0.9},\"b\":{\"recipe\":\"identity\",\"lambda\":0.9}},"
            + "{\"name\":\"half\",\"a\":{\"recipe\":\"cnn+ff+attn\",\"lambda\":0.5},\"b\":{\"recipe\":\"identity\",\"lambda\":0.5}},"
            + "{\"name\":\"repaired\",\"a\":{\"recipe\":\"cnn+ff+attn\",\"lambda\":0.5,\"repair\":\"closed\"},\"b\":{\"recipe\":\"identity\",\"lambda\":0.5,\"repair\":\"closed\"}}]}";

    /** A pair's table: the permuted merges get {@code gain} more clips right on word than interpolation. */
    private static ScoreTable table(StudyConfig c, StudyConfig.Pair p, int gain) {
        ScoreTable.Builder b = ScoreTable.builder().setTasks(List.of(WORD, FAMILY)).setBaseline(Reproduction.FBANK)
                .setReferences(p.modelA().label(), p.modelB().label()).optBootstrap(new PairedBootstrap(200, 3));
        b.add(Reproduction.FBANK, Outcomes.accuracy(WORD, 20, 100)).add(Reproduction.FBANK, Outcomes.accuracy(FAMILY, 30, 100));
        b.add(p.modelA().label(), Outcomes.accuracy(WORD, 80, 100)).add(p.modelA().label(), Outcomes.accuracy(FAMILY, 40, 100));
        b.add(p.modelB().label(), Outcomes.accuracy(WORD, 30, 100)).add(p.modelB().label(), Outcomes.accuracy(FAMILY, 70, 100));
        for (SweepPoint s : c.points()) {
            int w = 50 + (s.recipe() == org.permerge.match.MergeRecipe.IDENTITY ? 0 : gain);
            b.add(s.model(), Outcomes.accuracy(WORD, w, 100)).add(s.model(), Outcomes.accuracy(FAMILY, 45, 100));
        }
        return b.build();
    }

    private static StudySummary twoPairs() {
        StudyConfig c = StudyConfig.parse(CONFIG, "two.json");
        List<StudySummary.PairSummary> pairs = new ArrayList<>();
        int gain = 4;
        for (StudyConfig.Pair p : c.pairs()) {
            List<StudySummary.SpaceRow> t2 = List.of(new StudySummary.SpaceRow("cnn.0", 8, p.sharedInit() ? 0.25 : 1.0, 0.3, 0.9),
                    new StudySummary.SpaceRow("residual", 16, 0.875, -0.05, 0.6));
            pairs.add(StudyResults.pairSummary(p, c.forPair(p), table(c, p, gain), table(c, p, gain), c.points(), t2));
            gain += 20;
        }
        return new StudySummary(c.name(), pairs);
    }

    @Test
    void twoPairsRoundTripThroughTheSchemaCheck(@TempDir Path dir) throws Exception {
        StudySummary s = twoPairs();
        Path f = s.write(dir);
        StudySummary back = StudySummary.read(f);
        assertEquals(s, back);
        StudySummary.check(JsonParser.parseString(Files.readString(f)));

        StudySummary.PairSummary independent = back.pairs().get(0), shared = back.pairs().get(1);
        assertEquals("independent", independent.name());
        assertFalse(independent.sharedInit());
        assertTrue(shared.sharedInit());
        assertEquals("m/b2", shared.modelB());
        assertEquals(List.of("fbank", "A", "B"), independent.baselines().stream().map(StudySummary.Baseline::name).toList());
        assertEquals(0.8, independent.baselines().get(1).tasks().get("word").accuracy(), 1e-12);
        assertEquals((0.8 + 0.4) / 2, independent.baselines().get(1).averages().get("overall").accuracy(), 1e-12);
        int wordClips = independent.baselines().get(1).tasks().get("word").testClips();
        assertTrue(wordClips > 0, "test clips recorded per task");
        assertEquals(wordClips + independent.baselines().get(1).tasks().get("family").testClips(),
                independent.baselines().get(1).averages().get("overall").testClips(), "an average's clips are its tasks' sum");
        // rows: identity and cnn+ff+attn at 0.9, then the sweep at 0.5 with and without REPAIR
        assertEquals(6, independent.rows().size());
        StudySummary.Row repaired = independent.rows().stream().filter(r -> r.repair().equals("closed")).findFirst().orElseThrow();
        assertEquals("0.5", repaired.lambda());
        // The differences are those of the planted tables: (gain/100 on word + 0 on family) / 2 tasks.
        for (int i = 0; i < 2; i++) {
            StudySummary.PairSummary p = back.pairs().get(i);
            assertEquals(3, p.comparisons().size());
            for (StudySummary.ComparisonResult c : p.comparisons()) {
                assertEquals((4 + 20 * i) / 100.0 / 2, c.difference(), 1e-12, c.name());
                assertTrue(c.low() <= c.difference() && c.difference() <= c.high(), c.toString());
            }
        }
        // A 24-clip gain on 100 clips is decisive, a 4-clip one is not.
        assertTrue(shared.comparisons().get(0).pHolm() < 0.05, shared.comparisons().toString());
        assertTrue(independent.comparisons().get(0).pHolm() > 0.05, independent.comparisons().toString());
    }

    @Test
    void holmIsAppliedWithinEachPair() {
        StudyConfig c = StudyConfig.parse(CONFIG, "two.json");
        StudyConfig.Pair p = c.pairs().get(0);
        ScoreTable t = table(c, p, 10);
        ScoreTable.Column overall = ScoreTable.Column.average(null, ScoreTable.Scale.RAW);
        double[] raw = c.comparisons().stream().mapToDouble(k -> t.differencePValue(k.a().row(), k.b().row(), overall)).toArray();
        double[] holm = Holm.adjust(raw);
        List<StudySummary.ComparisonResult> got = StudyResults.comparisons(t, c.comparisons());
        for (int i = 0; i < raw.length; i++) assertEquals(holm[i], got.get(i).pHolm(), 1e-15);
    }

    @Test
    void theSchemaCheckRejectsBrokenDocumentsNamingThePath() {
        JsonObject good = twoPairs().toJson();
        StudySummary.check(good);
        reject(good, d -> pair(d).getAsJsonArray("comparisons").get(0).getAsJsonObject().remove("p_holm"), "comparisons[0]", "p_holm");
        reject(good, d -> estimate(d).addProperty("accuracy", 59.0), "tasks.word.accuracy", "outside");
        reject(good, d -> {
            JsonArray ci = new JsonArray();
            ci.add(0.7);
            ci.add(0.5);
            estimate(d).add("ci", ci);
        }, "tasks.word.ci", "above");
        reject(good, d -> pair(d).getAsJsonArray("baselines").get(2).getAsJsonObject().addProperty("name", "C"), "baselines[2].name", "fbank");
        reject(good, d -> pair(d).addProperty("shared_init", "yes"), "shared_init", "true or false");
        reject(good, d -> pair(d).getAsJsonArray("table_ii").get(0).getAsJsonObject().addProperty("moved", 31.0), "table_ii[0].moved", "outside");
        reject(good, d -> pair(d).getAsJsonArray("rows").get(0).getAsJsonObject().addProperty("recipe", "cnn+everything"), "rows[0].recipe", "cnn+everything");
        reject(good, d -> d.add("pairs", new JsonArray()), "$.pairs", "empty");
        reject(good, d -> pair(d).getAsJsonArray("rows").get(0).getAsJsonObject().addProperty("evaluation", "large"), "rows[0].evaluation", "comparison or sweep");
        reject(good, d -> estimate(d).addProperty("test_clips", 2.5), "tasks.word.test_clips", "whole number");
        // files written before rows named their evaluation and test clips still load, as sweep rows
        JsonObject old = good.deepCopy();
        JsonObject row = old.getAsJsonArray("pairs").get(0).getAsJsonObject().getAsJsonArray("rows").get(0).getAsJsonObject();
        row.remove("evaluation");
        row.getAsJsonObject("tasks").getAsJsonObject("word").remove("test_clips");
        StudySummary.Row back = StudySummary.fromJson(old).pairs().get(0).rows().get(0);
        assertEquals(StudySummary.SWEEP, back.evaluation());
        assertEquals(0, back.tasks().get("word").testClips());
    }

    private static JsonObject pair(JsonObject d) {
        return d.getAsJsonArray("pairs").get(1).getAsJsonObject();
    }

    private static JsonObject estimate(JsonObject d) {
        return pair(d).getAsJsonArray("rows").get(1).getAsJsonObject().getAsJsonObject("tasks").getAsJsonObject("word");
    }

    private static void reject(JsonObject good, Consumer<JsonObject> breakIt, String... mention) {
        JsonObject d = good.deepCopy();
        breakIt.accept(d);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudySummary.check(d));
        for (String m : mention) assertTrue(e.getMessage().contains(m), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StudySummary.fromJson(d));
    }
}
