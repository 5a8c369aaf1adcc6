package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.correlate.AlignmentStatistics.ResidualPooling;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code permerge merge}'s option values: a wrong one is answered with the allowed ones, before anything runs. */
class MergeOptionsTest {
    @Test
    void aBogusResidualPoolingNamesTheOptionAndTheAllowedValues(@TempDir Path tmp) {
        String model = Fixtures.hubert("hubert-tiny-base").toString();
        Path out = tmp.resolve("merged");
        CliRun r = CliRun.of("merge", "--a", model, "--b", model, "--stats", tmp.resolve("s.safetensors").toString(), "--recipe", "cnn",
                "--lambda", "0.5", "--residual-pooling", "bogus", "--out", out.toString());
        assertEquals(2, r.rc(), "a usage error");
        assertTrue(r.err().contains("--residual-pooling") && r.err().contains("expected one of all, first, last; got 'bogus'"), r.err());
        assertFalse(r.err().contains("No enum constant"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void residualPoolingIsCaseInsensitive() {
        MergeCommand.PoolingConverter c = new MergeCommand.PoolingConverter();
        assertEquals(ResidualPooling.FIRST, c.convert("First"));
        assertEquals(ResidualPooling.ALL, c.convert("all"));
        assertEquals(ResidualPooling.LAST, c.convert(" LAST "));
    }

    @Test
    void aNotANumberLambdaIsRefusedBeforeAnythingRuns(@TempDir Path tmp) {
        String model = Fixtures.hubert("hubert-tiny-base").toString();
        Path out = tmp.resolve("merged");
        CliRun r = CliRun.of("merge", "--a", model, "--b", model, "--stats", tmp.resolve("s.safetensors").toString(), "--recipe", "cnn",
                "--lambda", "NaN,0.5", "--out", out.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("λ 'NaN,0.5': 'NaN' is not a finite number in [0, 1]"), r.err());
        assertFalse(Files.exists(out));
    }
}
