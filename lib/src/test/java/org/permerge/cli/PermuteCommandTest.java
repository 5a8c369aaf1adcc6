package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.StateDict;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;
import org.permerge.testing.Fixtures;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code permerge permute}: the written folder is the source permuted by the written permutations, and passes --check. */
class PermuteCommandTest {
    @Test
    void permuteWritesAPermutedCheckpointAndItsPermutations(@TempDir Path dir) throws Exception {
        Path src = Fixtures.hubert("hubert-tiny-base");
        Path out = dir.resolve("permuted");
        int rc = new CommandLine(new Main()).execute("permute", "--model", src.toString(), "--seed", "4", "--spaces", "cnn,attn.1,residual",
                "--out", out.toString(), "--check");
        assertEquals(0, rc);
        EncoderCheckpoint original = EncoderCheckpoint.load(src);
        EncoderCheckpoint permuted = EncoderCheckpoint.load(out);
        Permutations p = Permutations.fromJson(Files.readString(out.resolve("permutations.json")));
        assertTrue(p.contains("attn.1") && p.contains("residual") && p.contains("cnn.6") && !p.contains("ffn.0"));
        StateDict expected = PermutationSpec.hubert(original.config()).apply(original.weights(), p);
        for (String n : expected.names()) assertArrayEquals(expected.get(n).toFloatArray(), permuted.weights().get(n).toFloatArray(), n);
        int bad = new CommandLine(new Main()).execute("permute", "--model", src.toString(), "--seed", "4", "--spaces", "ffn.9",
                "--out", dir.resolve("x").toString());
        assertNotEquals(0, bad, "an unknown space must fail");
        assertFalse(Files.exists(dir.resolve("x")));
    }
}
