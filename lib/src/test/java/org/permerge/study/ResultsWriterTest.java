package org.permerge.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.permerge.bench.Domain;
import org.permerge.bench.PairedBootstrap;
import org.permerge.bench.ScoreTable;
import org.permerge.bench.TaskOutcome;
import org.permerge.bench.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsWriterTest {
    private static final TaskSpec WORD = TaskSpec.classification("word", Domain.SPEECH, "word");
    private static final TaskSpec FAMILY = TaskSpec.classification("family", Domain.MUSIC, "family");

    private static TaskOutcome acc(TaskSpec t, int correct, int n) {
        return org.permerge.testing.Outcomes.accuracy(t, correct, n);
    }

    @Test
    void writesTheWholeFolder(@TempDir Path out) throws Exception {
        ScoreTable.Builder b = ScoreTable.builder().setTasks(List.of(WORD, FAMILY)).setBaseline("fbank").setReferences("A", "B")
                .optBootstrap(new PairedBootstrap(100, 1));
        b.add("fbank", acc(WORD, 30, 60)).add("fbank", acc(FAMILY, 20, 60));
        b.add("A", acc(WORD, 55, 60)).add("A", acc(FAMILY, 25, 60));
        b.add("B", acc(WORD, 35, 60)).add("B", acc(FAMILY, 50, 60));
        List<SweepPoint> sweep = new ArrayList<>();
        double[] lambdas = {1, 0.5, 0};
        for (String r : List.of("identity", "cnn+ff+attn")) {
            for (double l : lambdas) {
                String row = SweepPoint.rowName(r, l, false);
                int w = (int) (35 + 20 * l) + (r.equals("identity") ? 0 : 2), f = (int) (50 - 25 * l);
                b.add(row, acc(WORD, w, 60)).add(row, acc(FAMILY, f, 60));
                sweep.add(SweepPoint.of(org.permerge.match.MergeRecipe.parse(r), org.permerge.merge.Lambda.global(l), org.permerge.merge.Repair.Mode.NONE));
            }
        }
        ScoreTable table = b.build();
        double[] corr = {0.1, 0.9, 0.8, 0.2};   // 2×2: unit 0 of A matches unit 1 of B and vice versa
        List<SpaceDiagnostics> diag = List.of(SpaceDiagnostics.of("cnn+ff+attn", "cnn.0", corr, 2, 2, new int[] {1, 0}),
                SpaceDiagnostics.of("cnn+ff+attn", "ffn.0", corr, 2, 2, new int[] {0, 1}));
        assertEquals(1.0, diag.get(0).moved());
        assertEquals(0.15, diag.get(0).corrBefore(), 1e-12);
        assertEquals(0.85, diag.get(0).corrAfter(), 1e-12);
        List<Path> files = ResultsWriter.write(out, table, null, sweep, diag, Map.of("A", Map.of("word", new double[] {0.25, 0.75})),
                Map.of("preset", "test"));
        for (Path p : files) assertTrue(Files.size(p) > 0, p.toString());
        String md = Files.readString(out.resolve(ResultsWriter.TABLE_II_MD));
        assertTrue(md.contains("| cnn.0 | 100.00 |") && md.contains("| ffn.0 | 0.00 |"), md);
        String sig = Files.readString(out.resolve(ResultsWriter.SIGNIFICANCE_MD));
        assertTrue(sig.contains("cnn+ff+attn λ=0.5") && sig.contains("identity λ=0.5"), sig);
        String html = Files.readString(out.resolve(ResultsWriter.PLOTS_HTML));
        assertTrue(html.contains("plotly.js 2.35.3"), "plotly.js is inline");
        assertEquals(5, html.split("class=\"permerge-figure\"", -1).length - 1, "4 λ figures + 1 correlation figure");
        assertTrue(!html.matches("(?s).*<script[^>]*\\ssrc=.*"), "no script is loaded from elsewhere");
        assertTrue(Files.readString(out.resolve(ResultsWriter.TABLE_CSV)).lines().count() == 1 + 3 + 6);
    }
}
