package org.permerge.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Runs {@link SafeTensorsFuzz} in a separate JVM with a 64 MB heap. */
class SafeTensorsFuzzTest {
    static final int CASES = 10_000;

    @TempDir
    Path tmp;

    @Test
    void tenThousandMutationsOnlyEverRaiseCheckpointFormatException() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",
                // A short run on a small heap: the quick JIT tier and one GC thread spend the least CPU.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), SafeTensorsFuzz.class.getName(), "20261127", String.valueOf(CASES),
                tmp.toString()).redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fuzz run did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        Matcher m = Pattern.compile("ok cases=(\\d+) rejected=(\\d+) accepted=(\\d+) rejectedByKind=\\[([0-9, ]+)]").matcher(text);
        assertTrue(m.find(), text);
        assertEquals(CASES, Integer.parseInt(m.group(1)));
        // Most mutations must be caught; every kind of mutation must be caught at least sometimes.
        assertTrue(Integer.parseInt(m.group(2)) > CASES / 2, text);
        for (String c : List.of(m.group(4).split(",\\s*"))) assertTrue(Integer.parseInt(c) > 0, text);
    }
}
