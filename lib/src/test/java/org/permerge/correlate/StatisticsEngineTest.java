package org.permerge.correlate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.cli.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The core library alone (no Spark module on its class path): asking for the Spark engine says how to build it. */
class StatisticsEngineTest {
    @TempDir
    Path tmp;

    @Test
    void anAbsentEngineIsNamedWithHowToBuildIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StatisticsEngine.find("spark"));
        assertTrue(e.getMessage().contains("no statistics engine 'spark'") && e.getMessage().contains("-pl spark -am package"),
                e.getMessage());
    }

    private String refused(String... args) {
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new Main()).setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler((ex, cl, parsed) -> {
                    cl.getErr().println(ex.getMessage());
                    return 1;
                }).execute(args);
        assertEquals(1, rc);
        return err.toString();
    }

    @Test
    void statsWithTheSparkEngineAbsentWritesNothingAndSparkOptionsNeedTheEngine() throws Exception {
        Path manifest = tmp.resolve("calibration.jsonl");
        Files.writeString(manifest, "{\"manifest\":{}}\n{\"id\":\"a\",\"path\":\"a.wav\",\"duration\":1.0,\"sample_rate\":16000,"
                + "\"split\":\"calibration\",\"sha256\":\"00\"}\n");
        Path model = Path.of(System.getProperty("permerge.project.dir", ".."), "data-manifests/models/mini-speech");
        Path out = tmp.resolve("never.safetensors");
        String e = refused("stats", "--engine", "spark", "--a", model.toString(), "--b", model.toString(), "--calibration",
                manifest.toString(), "--out", out.toString(), "--no-verify");
        assertTrue(e.contains("no statistics engine 'spark'"), e);
        e = refused("stats", "--master", "local[2]", "--a", model.toString(), "--b", model.toString(), "--calibration",
                manifest.toString(), "--out", out.toString(), "--no-verify");
        assertTrue(e.contains("--master and --partitions need --engine spark"), e);
        assertFalse(Files.exists(out));
    }
}
