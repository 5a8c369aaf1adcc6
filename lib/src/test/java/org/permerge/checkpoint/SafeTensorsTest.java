package org.permerge.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    @Test
    void readsEveryFixtureTensorWithTheListedShape() throws Exception {
        Path dir = Fixtures.hubert("hubert-tiny-base");
        StateDict sd = SafeTensors.read(dir.resolve("model.safetensors"));
        List<String> lines = Files.readAllLines(dir.resolve("state_dict_keys.txt"));
        assertEquals(lines.size(), sd.size());
        for (String line : lines) {
            String[] f = line.split("\t");
            assertEquals(f[1].replace(" ", ""), java.util.Arrays.toString(sd.get(f[0]).shape()).replace(" ", ""), f[0]);
        }
    }

    @Test
    void writeThenReadRoundTripsBytesAndMarksFormatPt() {
        StateDict sd = SafeTensors.read(Fixtures.hubert("hubert-tiny-large").resolve("model.safetensors"));
        Path out = tmp.resolve("copy.safetensors");
        SafeTensors.write(out, sd);
        StateDict back = SafeTensors.read(out);
        assertEquals("pt", back.metadata().get("format"));
        assertEquals(sd.names(), back.names());
        for (String n : sd.names()) {
            assertArrayEquals(sd.get(n).toFloatArray(), back.get(n).toFloatArray(), 0f, n);
        }
    }

    @Test
    void truncatedFileNamesTheTensorThatRunsPastTheEnd() throws Exception {
        Path src = Fixtures.hubert("hubert-tiny-base").resolve("model.safetensors");
        byte[] all = Files.readAllBytes(src);
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.read(cut));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("beyond"), e.getMessage());
    }
}
