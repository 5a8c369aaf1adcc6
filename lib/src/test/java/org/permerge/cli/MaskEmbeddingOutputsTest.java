package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.testing.Fixtures;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code permute} and {@code merge} write {@code masked_spec_embed} only where their input had it (model A's file, for a
 * merge): a checkpoint loaded without one gets a stand-in that must not reappear as if it had been trained.
 */
class MaskEmbeddingOutputsTest {
    @TempDir
    Path tmp;

    private static boolean stored(Path folder) {
        return SafeTensors.read(folder.resolve("model.safetensors")).contains(EncoderCheckpoint.MASKED_SPEC_EMBED);
    }

    private static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Test
    void permuteAndMergeWriteItOnlyWhereTheInputsHadIt() throws Exception {
        Path with = Fixtures.hubert("hubert-tiny-base");
        Path without = Files.createDirectories(tmp.resolve("without"));
        Files.copy(with.resolve("config.json"), without.resolve("config.json"));
        StateDict sd = SafeTensors.read(with.resolve("model.safetensors"));
        sd.remove(EncoderCheckpoint.MASKED_SPEC_EMBED);
        SafeTensors.write(without.resolve("model.safetensors"), sd);

        assertEquals(0, run("permute", "--model", without.toString(), "--seed", "2", "--out", tmp.resolve("p-without").toString()));
        assertEquals(0, run("permute", "--model", with.toString(), "--seed", "2", "--out", tmp.resolve("p-with").toString()));
        assertFalse(stored(tmp.resolve("p-without")));
        assertTrue(stored(tmp.resolve("p-with")));
        // Apart from the mask embedding, the two permuted checkpoints are the same.
        StateDict a = SafeTensors.read(tmp.resolve("p-without").resolve("model.safetensors"));
        StateDict b = SafeTensors.read(tmp.resolve("p-with").resolve("model.safetensors"));
        for (String n : a.names()) assertArrayEquals(b.get(n).toFloatArray(), a.get(n).toFloatArray(), 0f, n);

        Path manifest = CliRun.calibration(tmp, 1, 3200);
        Path stats = tmp.resolve("stats.safetensors");
        assertEquals(0, run("stats", "--a", with.toString(), "--b", with.toString(), "--calibration", manifest.toString(), "--out", stats.toString()));
        String[][] pairs = {{without.toString(), with.toString(), "a-without"}, {with.toString(), without.toString(), "b-without"}};
        for (String[] p : pairs) {
            assertEquals(0, run("merge", "--a", p[0], "--b", p[1], "--stats", stats.toString(), "--recipe", "identity", "--lambda", "0.5",
                    "--out", tmp.resolve(p[2]).toString()));
        }
        assertFalse(stored(tmp.resolve("a-without")), "A had none: the merge has none");
        assertTrue(stored(tmp.resolve("b-without")), "A had one: the merge has one");
        // B's stand-in is not mixed in: the merged mask embedding is A's own.
        assertArrayEquals(SafeTensors.read(with.resolve("model.safetensors")).get(EncoderCheckpoint.MASKED_SPEC_EMBED).toFloatArray(),
                SafeTensors.read(tmp.resolve("b-without").resolve("model.safetensors")).get(EncoderCheckpoint.MASKED_SPEC_EMBED).toFloatArray(), 0f);
    }
}
