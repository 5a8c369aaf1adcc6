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

        // λ = 1 of any recipe and λ = 0 of identity are A and B themselves: their features come from the cache.
        int misses = ((java.util.Map<?, ?>) r.provenance().get("feature_cache")).get("misses") instanceof Integer m ? m : -1;
        assertEquals(6, misses, "fbank, A, B and three distinct merges are extracted; the other three rows hit the cache");

        Reproduction.Result again = Reproduction.run(config, project, project.resolve("results/ci-again"));
        assertEquals(0, ((java.util.Map<?, ?>) again.provenance().get("feature_cache")).get("misses"), "a rerun re-extracts nothing");
        assertEquals(r.table().toCsv(), again.table().toCsv(), "a rerun reproduces the table exactly");
    }
}
