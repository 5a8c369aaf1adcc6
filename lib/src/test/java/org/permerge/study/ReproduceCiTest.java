package org.permerge.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ci} preset end to end: generated mini corpora, calibration, matching, merges, probes and the results
 * folder; identity at λ = 1 must give exactly A's row and cnn+ff+attn at λ = 0 B's row (within its interval).
 * A second run in the same project must take every model's features from the cache.
 */
class ReproduceCiTest {
    @Test
    void ciPresetEndToEnd(@TempDir Path project) throws Exception {
        StudyConfig config = StudyConfig.load("ci");
        Reproduction.Result r = Reproduction.run(config, project, project.resolve("results/ci"));
        assertEquals(2, r.checks().size(), r.checks().toString());
        assertTrue(r.checksPassed(), r.checks().toString());

        List<String> rows = r.table().models();
        assertTrue(rows.containsAll(List.of(Reproduction.FBANK, "A (speech)", "B (music)", "identity λ=0.9", "cnn+ff+attn λ=0.9",
                "identity λ=1", "identity λ=0", "cnn+ff+attn λ=1", "cnn+ff+attn λ=0")), rows.toString());
        for (String f : List.of("calibration.jsonl", ResultsWriter.TABLE_CSV, ResultsWriter.TABLE_MD, ResultsWriter.SIGNIFICANCE_MD,
                ResultsWriter.TABLE_II_MD, ResultsWriter.PLOTS_HTML, ResultsWriter.PROVENANCE_JSON)) {
            assertTrue(Files.size(r.out().resolve(f)) > 0, f);
        }
        // every cnn, ffn and attn space of the mini encoders (7 conv + 4 ffn + 4 attn) is in the Table II analogue
        assertEquals(15, r.diagnostics().stream().filter(d -> d.recipe().equals("cnn+ff+attn")).count());
        String prov = Files.readString(r.out().resolve(ResultsWriter.PROVENANCE_JSON));
        assertTrue(prov.contains("weights_sha256") && prov.contains("manifest_sha256") && prov.contains("\"seed\""), prov);
        // The run's common record heads provenance.json under the keys every command writes, and reads back whole.
        java.util.Map<String, String> flat = new java.util.LinkedHashMap<>();
        for (var e : com.google.gson.JsonParser.parseString(prov).getAsJsonObject().entrySet()) {
            if (e.getValue().isJsonPrimitive() && e.getValue().getAsJsonPrimitive().isString()) flat.put(e.getKey(), e.getValue().getAsString());
        }
        org.permerge.checkpoint.Provenance record = org.permerge.checkpoint.Provenance.fromMetadata(flat);
        assertEquals(flat, record.toMetadata());
        assertTrue(flat.keySet().containsAll(org.permerge.checkpoint.Provenance.REQUIRED), flat.keySet().toString());
        assertTrue(record.command().startsWith("./permerge reproduce --preset ci") && record.elapsed() != null, record.toString());
        // the same weights hash the calibration statistics recorded for A and B
        var origin = org.permerge.correlate.AlignmentStatistics.load(r.out().resolve("calibration-statistics.safetensors")).origin();
        assertEquals(origin.modelASha256(), record.models().get("A").sha256());
        assertEquals(origin.modelBSha256(), record.models().get("B").sha256());
        assertEquals(config.seed(), record.seeds().get("study"));

        // λ = 1 of any recipe and λ = 0 of identity are A and B themselves: their features come from the cache.
        int misses = ((java.util.Map<?, ?>) r.provenance().get("feature_cache")).get("misses") instanceof Integer m ? m : -1;
        assertEquals(6, misses, "fbank, A, B and three distinct merges are extracted; the other three rows hit the cache");

        Reproduction.Result again = Reproduction.run(config, project, project.resolve("results/ci-again"));
        assertEquals(0, ((java.util.Map<?, ?>) again.provenance().get("feature_cache")).get("misses"), "a rerun re-extracts nothing");
        assertEquals(r.table().toCsv(), again.table().toCsv(), "a rerun reproduces the table exactly");

        // summary.json: one pair, Table II for every space (7 cnn + 4 ffn + 4 attn + 4 qk + residual) from cnn+all
        StudySummary summary = StudySummary.read(r.out().resolve(StudySummary.FILE));
        assertEquals(r.summary(), summary);
        assertEquals(1, summary.pairs().size());
        assertEquals(20, summary.pairs().get(0).tableIi().size());
        assertEquals(64, summary.pairs().get(0).tableIi().get(0).units());
        assertEquals(6, summary.pairs().get(0).rows().size());

        // Two pairs (the ci models twice, the second called shared-init): each gets its folder with the same table,
        // summary.json both; everything comes from the caches.
        com.google.gson.JsonObject two = com.google.gson.JsonParser.parseString(config.toJson()).getAsJsonObject();
        com.google.gson.JsonArray pairs = new com.google.gson.JsonArray();
        for (String name : List.of("first", "second")) {
            com.google.gson.JsonObject p = new com.google.gson.JsonObject();
            p.addProperty("name", name);
            p.add("model_a", two.get("model_a"));
            p.add("model_b", two.get("model_b"));
            p.addProperty("shared_init", name.equals("second"));
            pairs.add(p);
        }
        two.remove("model_a");
        two.remove("model_b");
        two.add("pairs", pairs);
        // ... with the λ sweep on small sets and one pre-registered comparison whose rows (and the baselines) are
        // probed on every clip: those rows must be the single run's rows exactly.
        two.addProperty("max_clips_per_split", 6);
        two.add("comparison_clips", com.google.gson.JsonParser.parseString("{\"train\":0,\"dev\":0,\"test\":0}"));
        two.add("comparisons", com.google.gson.JsonParser.parseString("[{\"name\":\"main\","
                + "\"a\":{\"recipe\":\"cnn+ff+attn\",\"lambda\":0.9},\"b\":{\"recipe\":\"identity\",\"lambda\":0.9}}]"));
        Reproduction.Result both = Reproduction.run(StudyConfig.parse(two.toString(), "two pairs"), project, project.resolve("results/ci-two"));
        assertEquals(2, both.pairs().size());
        assertTrue(both.checksPassed(), both.pairs().toString());
        StudySummary twoSummary = StudySummary.read(both.out().resolve(StudySummary.FILE));
        assertEquals(List.of("first", "second"), twoSummary.pairs().stream().map(StudySummary.PairSummary::name).toList());
        assertTrue(twoSummary.pairs().get(1).sharedInit());
        for (Reproduction.PairResult p : both.pairs()) {
            assertEquals(both.out().resolve(p.pair().name()), p.out());
            assertTrue(p.comparisonTable() != p.table(), "two evaluation tiers");
            assertEquals(p.comparisonTable().toCsv(), Files.readString(p.out().resolve(ResultsWriter.COMPARISON_TABLE_CSV)));
            assertEquals(List.of("fbank (log-mel)", "A (speech)", "B (music)", "identity λ=0.9", "cnn+ff+attn λ=0.9"),
                    p.comparisonTable().models());
            List<String> single = List.of(r.table().toCsv().split("\n"));
            for (String line : p.comparisonTable().toCsv().split("\n")) {
                assertTrue(single.contains(line), p.pair().name() + ": a row on every clip is the single run's row: " + line);
            }
            for (org.permerge.bench.TaskSpec t : p.table().tasks()) {
                assertTrue(p.table().outcome("A (speech)", t).size() <= 6, "the sweep's sets are capped");
                assertEquals(r.table().outcome("A (speech)", t).size(), p.comparisonTable().outcome("A (speech)", t).size());
            }
            StudySummary.PairSummary ps = twoSummary.pairs().get(both.pairs().indexOf(p));
            for (StudySummary.Row row : ps.rows()) {
                boolean compared = row.lambda().equals("0.9") && row.repair().equals("none");
                assertEquals(compared ? StudySummary.COMPARISON : StudySummary.SWEEP, row.evaluation(), row.toString());
                int clips = row.tasks().values().iterator().next().testClips();
                assertTrue(compared ? clips > 6 : clips <= 6, row.toString());
            }
            assertTrue(ps.baselines().stream().allMatch(b -> b.evaluation().equals(StudySummary.COMPARISON)));
            assertEquals(1, ps.comparisons().size());
            assertEquals(summary.pairs().get(0).tableIi(), twoSummary.pairs().get(both.pairs().indexOf(p)).tableIi());
        }
    }
}
