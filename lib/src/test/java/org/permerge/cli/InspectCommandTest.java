package org.permerge.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class InspectCommandTest {
    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @ParameterizedTest
    @CsvSource({
            "hubert-tiny-base, model.safetensors, group-norm CNN + post-LN transformer, conv bias no",
            "hubert-tiny-large, legacy-keys.pytorch_model.bin, layer-norm CNN + pre-LN (stable) transformer, conv bias yes"})
    void printsTheArchitectureAndCountsOfBothFixtures(String fixture, String file, String layout, String bias) throws Exception {
        Path dir = Fixtures.hubert(fixture);
        CliRun r = run("inspect", dir.resolve(file).toString());
        assertEquals(0, r.rc(), r.err());
        // Independent counts: transformers' own listing of the state dict.
        List<String> keys = Files.readAllLines(dir.resolve("state_dict_keys.txt"));
        long params = 0;
        for (String line : keys) {
            long n = 1;
            for (String d : line.split("\t")[1].replaceAll("[\\[\\] ]", "").split(",")) n *= Long.parseLong(d);
            params += n;
        }
        String o = r.out();
        assertTrue(o.contains("layout       " + layout + "\n"), o);
        assertTrue(o.contains(bias), o);
        assertTrue(o.contains("7 blocks (channels x kernel / stride): 16x10/5, 16x3/2, 16x3/2, 16x3/2, 16x3/2, 16x2/2, 16x2/2"), o);
        assertTrue(o.contains("hidden size  32\n"), o);
        assertTrue(o.contains("layers       2\n"), o);
        assertTrue(o.contains("heads        4 (head dim 8)\n"), o);
        assertTrue(o.contains("FFN          64\n"), o);
        assertTrue(o.contains("sample rate  16000 Hz\n"), o);
        assertTrue(o.contains("320 samples per frame = 50.00 frames/s"), o);
        assertTrue(o.contains("normalise    no (raw waveform)\n"), o);
        assertTrue(o.contains("parameters   " + params + " "), o);
        assertTrue(o.contains("tensors      " + keys.size() + "\n"), o);
        assertTrue(o.contains(file.startsWith("legacy") ? "legacy names" : "current transformers names"), o);
    }

    @Test
    void listsTensorsOnRequest() {
        CliRun r = run("inspect", "--tensors", Fixtures.hubert("hubert-tiny-base").toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("encoder.pos_conv_embed.conv.parametrizations.weight.original1") && r.out().contains("[32, 8, 16]"), r.out());
    }

    @Test
    void aMissingCheckpointIsAnErrorThatNamesIt() {
        CliRun r = run("inspect", "/no/such/folder");
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("'/no/such/folder' is neither an existing checkpoint"), r.err());
    }
}
