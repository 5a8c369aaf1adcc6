package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Commands given a hostile model refuse it by name, and neither the input nor an output is left damaged. */
class HostileModelInputsTest {
    @Test
    void aNaNWeightIsRefusedByInspectAndPermuteNamingTheTensor(@TempDir Path tmp) throws Exception {
        Path src = Fixtures.hubert("hubert-tiny-base");
        Path dir = Files.createDirectories(tmp.resolve("nan"));
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        StateDict sd = SafeTensors.read(src.resolve("model.safetensors"));
        float[] w = sd.get("feature_projection.projection.bias").toFloatArray();
        w[7] = Float.NaN;
        sd.put("feature_projection.projection.bias", Tensor.ofFloats(new long[] {w.length}, w));
        SafeTensors.write(dir.resolve("model.safetensors"), sd);
        byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));
        String expected = "tensor 'feature_projection.projection.bias' holds a non-finite value (NaN) at flat index 7";

        CliRun r = CliRun.of("inspect", dir.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains(expected), r.err());
        Path out = tmp.resolve("permuted");
        r = CliRun.of("permute", "--model", dir.toString(), "--seed", "1", "--out", out.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(Files.exists(out));
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("model.safetensors")));
    }

    @Test
    void aConfigDeclaringTwoBillionLayersIsRefusedByInspectWithItsBound(@TempDir Path tmp) throws Exception {
        Path src = Fixtures.hubert("hubert-tiny-base");
        Path dir = Files.createDirectories(tmp.resolve("huge"));
        Files.writeString(dir.resolve("config.json"), Files.readString(src.resolve("config.json"))
                .replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2000000000"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        CliRun r = CliRun.of("inspect", dir.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("config.json: num_hidden_layers 2000000000 is more than the supported 1024"), r.err());
    }
}
