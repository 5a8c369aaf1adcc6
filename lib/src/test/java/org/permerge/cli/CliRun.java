package org.permerge.cli;

import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One run of permerge's command line in this JVM, with what it printed; errors are reported as {@code Main} reports
 * them ("permerge: message"), so tests can check the message a user sees.
 */
record CliRun(int rc, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .setExecutionExceptionHandler((ex, c, parsed) -> {
                    c.getErr().println("permerge: " + ex.getMessage());
                    return 1;
                });
        int rc = cl.execute(args);
        return new CliRun(rc, out.toString(), err.toString());
    }

    /** A calibration manifest in {@code dir}: one 16 kHz clip of two tones and noise per length. */
    static Path calibration(Path dir, long seed, int... lengths) {
        Random rnd = new Random(seed);
        List<Manifest.Clip> clips = new ArrayList<>();
        for (int c = 0; c < lengths.length; c++) {
            float[] x = new float[lengths[c]];
            for (int t = 0; t < x.length; t++) {
                x[t] = (float) (0.2 * Math.sin(t * (0.05 + 0.03 * c)) + 0.1 * Math.sin(t * 0.31) + 0.05 * rnd.nextGaussian());
            }
            Path wav = dir.resolve("clip" + c + ".wav");
            Wav.write(wav, x, 16000);
            clips.add(new Manifest.Clip("clip" + c, wav.getFileName().toString(), x.length / 16000.0, 16000, Map.of(),
                    "calibration", Map.of(), Map.of(), Manifest.sha256(wav), dir));
        }
        Path file = dir.resolve("calibration.jsonl");
        Manifest.of(Map.of("generator", "CliRun"), clips, dir).write(file);
        return file;
    }
}
