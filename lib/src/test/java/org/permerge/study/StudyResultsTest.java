package org.permerge.study;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.permerge.bench.Domain;
import org.permerge.bench.PairedBootstrap;
import org.permerge.bench.ScoreTable;
import org.permerge.testing.Outcomes;
import org.permerge.bench.TaskSpec;

class StudyResultsTest {
    private static final TaskSpec WORD = TaskSpec.classification("word", Domain.SPEECH, "word");
    private static final TaskSpec FAMILY = TaskSpec.classification("family", Domain.MUSIC, "family");

    /**
     * family: log-mel 50 %, better endpoint 52 %: a 2-point span, so a merge at 30 % would read as −10000; only
     * word (span 50 points) gets the normalised scale, and the note names family with its span.
     */
    @Test
    void terminalShowsRawAndOnlyWellConditionedNormalisedColumns() {
        ScoreTable t = ScoreTable.builder().setTasks(List.of(WORD, FAMILY)).setBaseline("fbank").setReferences("A", "B")
                .optBootstrap(new PairedBootstrap(50, 1))
                .add("fbank", Outcomes.accuracy(WORD, 20, 100)).add("fbank", Outcomes.accuracy(FAMILY, 50, 100))
                .add("A", Outcomes.accuracy(WORD, 70, 100)).add("A", Outcomes.accuracy(FAMILY, 40, 100))
                .add("B", Outcomes.accuracy(WORD, 30, 100)).add("B", Outcomes.accuracy(FAMILY, 52, 100))
                .add("m", Outcomes.accuracy(WORD, 45, 100)).add("m", Outcomes.accuracy(FAMILY, 30, 100)).build();
        assertTrue(StudyResults.wellConditioned(t, WORD));
        assertFalse(StudyResults.wellConditioned(t, FAMILY));
        String s = StudyResults.terminalTable(t);
        assertTrue(s.startsWith("Raw accuracy"), s);
        assertTrue(s.contains("| m | 45.0 ["), s);
        assertTrue(s.contains("not shown for family (|s_ref − s_fbank| = 2.0 points)"), s);
        String normalised = s.substring(s.indexOf("SUPERB-style"));
        assertTrue(normalised.contains("word"), normalised);
        assertFalse(normalised.contains("family"), "family's normalised column is left out: " + normalised);
        assertFalse(normalised.contains("-10000") || normalised.contains("−10000"), normalised);
        assertTrue(normalised.contains("speech"), "the speech average has only well-conditioned tasks: " + normalised);
        assertFalse(normalised.contains("music avg") || normalised.contains("overall"), normalised);
    }
}
