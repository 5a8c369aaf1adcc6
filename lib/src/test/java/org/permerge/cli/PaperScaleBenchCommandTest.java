package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.permerge.testing.Fixtures;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The paper-scale bench on a tiny architecture: both precisions run end to end and agree; the report adds up. */
class PaperScaleBenchCommandTest {
    @Test
    void timesBothPrecisionsWhoseCorrelationsAgreeAndExtrapolatesFromTheMeasuredRate() {
        String config = Fixtures.hubert("hubert-tiny-base").resolve("config.json").toString();
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        CliRun run;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            run = CliRun.of("bench-paper-scale", "--config", config, "--clips", "3", "--clip-seconds", "0.4",
                    "--max-batch-seconds", "0.5", "--paper-hours", "59", "--device", "cpu");
        } finally {
            System.setOut(saved);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, run.rc(), run.err() + out);
        for (String precision : List.of("forward-only", "float64", "float32")) {
            Matcher m = Pattern.compile("(?m)^" + precision + "\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)$").matcher(out);
            assertTrue(m.find(), "no row for " + precision + " in:\n" + out);
            double wall = Double.parseDouble(m.group(1));
            double audio = Double.parseDouble(m.group(2));
            double rate = Double.parseDouble(m.group(3));
            double hours = Double.parseDouble(m.group(5));
            assertEquals(1.2, audio, 0.05, precision + ": three clips of 0.4 s");
            // the printed wall time is rounded to 1 ms
            assertEquals(audio / wall, rate, rate * (0.001 / wall + 0.01) + 0.001, precision + ": audio s/s");
            assertEquals(59 / rate, hours, 0.01 * hours + 0.1, precision + ": paper-scale hours at the measured rate");
        }
        assertTrue(out.contains("statistics float32 beyond the forward passes"), out);
        Matcher d = Pattern.compile("max \\|Δρ\\| over cnn.0, attn.0, ffn.\\d+: (\\S+)").matcher(out);
        assertTrue(d.find(), out);
        double diff = Double.parseDouble(d.group(1));
        assertTrue(diff > 0 && diff <= 1e-5, "float32 and float64 correlations differ by " + diff);
    }

    @Test
    void syntheticClipsAreReproducibleAndOfTheAskedLength() {
        List<float[]> x = PaperScaleBenchCommand.syntheticClips(2, 1600, 16000, 7);
        List<float[]> y = PaperScaleBenchCommand.syntheticClips(2, 1600, 16000, 7);
        assertEquals(2, x.size());
        assertEquals(1600, x.get(1).length);
        assertArrayEquals(x.get(1), y.get(1));
        assertFalse(java.util.Arrays.equals(x.get(0), x.get(1)), "each clip has its own pitch and rhythm");
    }
}
