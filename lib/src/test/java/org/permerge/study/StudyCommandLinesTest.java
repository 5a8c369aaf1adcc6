package org.permerge.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.permerge.match.MergeRecipe;

class StudyCommandLinesTest {

    @Test
    void mergeLineNamesEveryPathRelativeToTheProject() {
        Path root = Path.of("/p/permerge");
        String line = StudyCommandLines.merge(root, Path.of("/p/permerge/models/a"), Path.of("/p/other/b"),
                Path.of("/p/permerge/results/x/calibration.jsonl"), MergeRecipe.CNN_FF_ATTN, org.permerge.merge.Lambda.parse("0.5,cnn=1"),
                Path.of("/p/permerge/results/x/cli-merge"), Path.of("/p/permerge/results/x/cli-table-ii.csv"));
        assertEquals("./permerge merge --a models/a --b ../other/b --calibration results/x/calibration.jsonl --recipe "
                + MergeRecipe.CNN_FF_ATTN.label() + " --lambda 0.5,cnn=1 --out results/x/cli-merge --table-ii results/x/cli-table-ii.csv", line);
    }

    @Test
    void aPathWithSpacesIsRefused() {
        Path root = Path.of("/p/permerge");
        var e = assertThrows(IllegalArgumentException.class, () -> StudyCommandLines.merge(root, Path.of("/p/my models/a"),
                Path.of("/p/b"), Path.of("/p/c.jsonl"), MergeRecipe.IDENTITY, org.permerge.merge.Lambda.global(1), Path.of("/p/o"), Path.of("/p/t.csv")));
        assertEquals(true, e.getMessage().contains("my models"), e.getMessage());
    }
}
