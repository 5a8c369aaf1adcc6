package org.permerge.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.testing.Fixtures;
import org.permerge.testing.HubCacheFixture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every command that takes a model accepts a hub repo id, resolved offline through a Hugging Face cache laid out on
 * disk as the Python tools lay it out ({@link HubCacheFixture}); each gives the same result as the same model named by
 * its folder.
 */
class HubIdCommandsTest {
    private static final String REPO = "permerge-test/hubert-tiny";
    private static final String COMMIT = HubCacheFixture.COMMIT;

    @TempDir
    Path tmp;
    private Path local;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @BeforeEach
    void cache() {
        local = Fixtures.hubert("hubert-tiny-base");
        HubCacheFixture.lay(tmp.resolve("hub"), REPO, local);
        HubCacheFixture.useOffline(tmp.resolve("hub"));
    }

    @AfterEach
    void clear() {
        HubCacheFixture.clear();
    }

    private static void assertSameTensors(StateDict expected, StateDict actual) {
        assertEquals(expected.names(), actual.names());
        for (String n : expected.names()) assertArrayEquals(expected.get(n).toFloatArray(), actual.get(n).toFloatArray(), 0f, n);
    }

    private Path manifest() {
        return CliRun.calibration(tmp, 3, 2400, 3300);
    }

    @Test
    void inspectForwardPermuteStatsAndMergeTakeAHubId() throws Exception {
        CliRun r = run("inspect", REPO);
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("snapshots/" + COMMIT + "/model.safetensors"), r.out());
        assertTrue(r.out().contains("hidden size  32"), r.out());

        Path input = tmp.resolve("input.safetensors");
        float[] x = new float[2 * 3000];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        SafeTensors.write(input, new StateDict().put("input_values", Tensor.ofFloats(new long[] {2, 3000}, x)));
        for (String model : List.of(REPO, local.toString())) {
            String tag = model.equals(REPO) ? "hub" : "local";
            assertEquals(0, run("forward", "--model", model, "--input", input.toString(), "--output", tmp.resolve("fw-" + tag).toString()).rc());
            assertEquals(0, run("permute", "--model", model, "--seed", "5", "--out", tmp.resolve("perm-" + tag).toString()).rc());
        }
        assertSameTensors(SafeTensors.read(tmp.resolve("fw-local")), SafeTensors.read(tmp.resolve("fw-hub")));
        assertSameTensors(EncoderCheckpoint.load(tmp.resolve("perm-local")).weights(), EncoderCheckpoint.load(tmp.resolve("perm-hub")).weights());

        Path m = manifest();
        String permuted = tmp.resolve("perm-local").toString();
        for (String model : List.of(REPO, local.toString())) {
            String tag = model.equals(REPO) ? "hub" : "local";
            Path stats = tmp.resolve("stats-" + tag + ".safetensors");
            assertEquals(0, run("stats", "--a", model, "--b", permuted, "--calibration", m.toString(), "--out", stats.toString()).rc());
            r = run("merge", "--a", model, "--b", permuted, "--stats", stats.toString(), "--recipe", "cnn+ff+attn",
                    "--lambda", "0.5", "--out", tmp.resolve("merged-" + tag).toString());
            assertEquals(0, r.rc(), r.err());
        }
        StateDict statsLocal = SafeTensors.read(tmp.resolve("stats-local.safetensors"));
        StateDict statsHub = SafeTensors.read(tmp.resolve("stats-hub.safetensors"));
        assertSameTensors(statsLocal, statsHub);
        assertSameTensors(EncoderCheckpoint.load(tmp.resolve("merged-local")).weights(), EncoderCheckpoint.load(tmp.resolve("merged-hub")).weights());
        // B as the hub id too (statistics are measured for this order of the pair: swapped ones are refused).
        Path statsBHub = tmp.resolve("stats-b-hub.safetensors");
        assertEquals(0, run("stats", "--a", permuted, "--b", REPO, "--calibration", m.toString(), "--out", statsBHub.toString()).rc());
        assertEquals(0, run("merge", "--a", permuted, "--b", REPO, "--stats", statsBHub.toString(), "--recipe",
                "identity", "--lambda", "1", "--out", tmp.resolve("merged-b-hub").toString()).rc());
        assertSameTensors(EncoderCheckpoint.load(Path.of(permuted)).weights(), EncoderCheckpoint.load(tmp.resolve("merged-b-hub")).weights());
    }

    @Test
    void anUncachedRepoIdOfflineSaysWhatToDoAndWritesNothing() {
        Path out = tmp.resolve("never");
        CliRun r = run("permute", "--model", "permerge-test/not-cached", "--seed", "1", "--out", out.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("'permerge-test/not-cached' is not an existing local folder or file"), r.err());
        assertTrue(r.err().contains("HF_HUB_OFFLINE is set") && r.err().contains("huggingface-cli download permerge-test/not-cached"), r.err());
        assertFalse(Files.exists(out));
        r = run("stats", "--a", "no_such_folder", "--b", REPO, "--calibration", manifest().toString(), "--out", out.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("'no_such_folder' is neither an existing checkpoint folder or file nor a hub repo id"), r.err());
        assertFalse(Files.exists(out));
    }
}
