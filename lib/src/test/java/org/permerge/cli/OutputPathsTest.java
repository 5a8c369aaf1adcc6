package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.HttpDownload;
import org.permerge.testing.Fixtures;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Outputs that would overwrite inputs are refused before any work; output folders are replaced as a unit. */
class OutputPathsTest {
    @TempDir
    Path tmp;

    /** Runs a command as {@code ./permerge} does; returns the exit code and fills {@code err}. */
    private int run(StringWriter err, String... args) {
        return new CommandLine(new Main()).setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler((ex, cl, parsed) -> {
                    cl.getErr().println("permerge: " + ex.getMessage());
                    return 1;
                }).execute(args);
    }

    private static String snapshot(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                sb.append(dir.relativize(p)).append(Files.isRegularFile(p) ? ":" + Files.readString(p) : "/").append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void anOutputThatIsContainsOrLiesInsideAnInputIsRefusedAndTheInputIsUntouched() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("models/a"));
        Files.writeString(a.resolve("config.json"), "A's config");
        Path b = Files.createDirectories(tmp.resolve("models/b"));
        Files.writeString(b.resolve("config.json"), "B's config");
        Path stats = Files.writeString(tmp.resolve("stats.safetensors"), "statistics");
        Path manifest = Files.writeString(tmp.resolve("calibration.jsonl"), "manifest");
        Path earlier = Files.createDirectories(tmp.resolve("earlier-run"));
        Files.writeString(earlier.resolve("keep.txt"), "an earlier result");
        String before = snapshot(tmp);
        String[][] cases = {
            {"is the input --a", "merge", "--a", a.toString(), "--b", b.toString(), "--stats", stats.toString(), "--recipe", "cnn",
                "--lambda", "0.5", "--out", a.toString(), "--force"},
            {"lies inside the input --b", "merge", "--a", a.toString(), "--b", b.toString(), "--stats", stats.toString(), "--recipe", "cnn",
                "--lambda", "0.5", "--out", b.resolve("merged").toString()},
            {"contains the input --a", "merge", "--a", a.toString(), "--b", b.toString(), "--stats", stats.toString(), "--recipe", "cnn",
                "--lambda", "0.5", "--out", tmp.resolve("models").toString(), "--force"},
            {"is the input --calibration", "stats", "--a", a.toString(), "--b", b.toString(), "--calibration", manifest.toString(),
                "--out", manifest.toString(), "--force"},
            {"is the input --model", "permute", "--model", a.toString(), "--seed", "1", "--out", a.toString(), "--force"},
            {"is the input input 1", "stats-merge", stats.toString(), "--out", stats.toString(), "--force"},
            {"is the input --model", "forward", "--model", a.resolve("config.json").toString(), "--input", stats.toString(),
                "--output", a.resolve("config.json").toString(), "--force"},
            {"--out is empty", "merge", "--a", a.toString(), "--b", b.toString(), "--stats", stats.toString(), "--recipe", "cnn",
                "--lambda", "0.5", "--out", ""},
            {"the working folder", "permute", "--model", a.toString(), "--seed", "1", "--out", ".", "--force"},
            {"is not empty", "permute", "--model", a.toString(), "--seed", "1", "--out", earlier.toString()},
            {"exists; choose another file, or pass --force", "stats", "--a", a.toString(), "--b", b.toString(), "--calibration",
                manifest.toString(), "--out", stats.toString()},
        };
        for (String[] c : cases) {
            StringWriter err = new StringWriter();
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            assertNotEquals(0, run(err, args), String.join(" ", args));
            assertTrue(err.toString().contains(c[0]), c[0] + " expected in: " + err);
            assertEquals(before, snapshot(tmp), "no input or output damaged by: " + String.join(" ", args));
        }
    }

    @Test
    void aForcedRewriteReplacesTheFolderAsAUnitEvenOverADirectoryWhereAFileGoes() throws Exception {
        Path src = Fixtures.hubert("hubert-tiny-base");
        Path out = Files.createDirectories(tmp.resolve("permuted"));
        Files.writeString(out.resolve("stale-notes.txt"), "from an earlier run");
        // A folder where the preprocessor file goes: writing file by file into place fails half-way.
        Files.createDirectories(out.resolve("preprocessor_config.json/x"));
        StringWriter err = new StringWriter();
        assertNotEquals(0, run(err, "permute", "--model", src.toString(), "--seed", "3", "--out", out.toString()));
        assertTrue(err.toString().contains("not empty") && err.toString().contains("--force"), err.toString());
        assertEquals(0, run(err, "permute", "--model", src.toString(), "--seed", "3", "--out", out.toString(), "--force"), err.toString());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(java.util.Set.of("config.json", "model.safetensors", "preprocessor_config.json", EncoderCheckpoint.PROVENANCE_FILE, "permutations.json"),
                    java.util.Set.copyOf(s.map(p -> p.getFileName().toString()).toList()), "exactly one run's files");
        }
        assertTrue(Files.isRegularFile(out.resolve("preprocessor_config.json")));
        EncoderCheckpoint.load(out);
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(java.util.List.of("permuted"), s.map(p -> p.getFileName().toString()).toList(), "no temporary sibling left");
        }
        assertFalse(Files.exists(HttpDownload.partialOf(out.resolve("model.safetensors"))));
    }

    @Test
    void mergeWritesItsFolderOnceAndReplacesItOnlyWithForce() throws Exception {
        Path audio = Files.createDirectories(tmp.resolve("audio"));
        java.util.List<org.permerge.audio.Manifest.Clip> clips = new java.util.ArrayList<>();
        java.util.Random rnd = new java.util.Random(3);
        for (int c = 0; c < 2; c++) {
            float[] x = new float[3200 + 800 * c];
            for (int t = 0; t < x.length; t++) x[t] = (float) (0.3 * Math.sin(2 * Math.PI * (200 + 70 * c) * t / 16000) + 0.05 * rnd.nextGaussian());
            Path wav = audio.resolve("c" + c + ".wav");
            org.permerge.audio.Wav.write(wav, x, 16000);
            clips.add(new org.permerge.audio.Manifest.Clip("c" + c, wav.getFileName().toString(), x.length / 16000.0, 16000,
                    java.util.Map.of(), "calibration", java.util.Map.of(), java.util.Map.of(), org.permerge.audio.Manifest.sha256(wav), audio));
        }
        Path manifest = audio.resolve("calibration.jsonl");
        org.permerge.audio.Manifest.of(java.util.Map.of("generator", "OutputPathsTest"), clips, audio).write(manifest);
        String model = Fixtures.hubert("hubert-tiny-base").toString();
        Path out = tmp.resolve("merged");
        String[] merge = {"merge", "--a", model, "--b", model, "--calibration", manifest.toString(), "--recipe", "cnn", "--lambda", "0.5",
            "--out", out.toString()};
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, merge), err.toString());
        EncoderCheckpoint first = EncoderCheckpoint.load(out);
        String manifestBefore = Files.readString(manifest);

        assertNotEquals(0, run(err, merge));
        assertTrue(err.toString().contains("is not empty"), err.toString());
        String[] saveInside = java.util.Arrays.copyOf(merge, merge.length + 3);
        saveInside[merge.length] = "--force";
        saveInside[merge.length + 1] = "--save-stats";
        saveInside[merge.length + 2] = out.resolve("stats.safetensors").toString();
        assertNotEquals(0, run(err, saveInside));
        assertTrue(err.toString().contains("--save-stats") && err.toString().contains("lies inside"), err.toString());

        String[] forced = java.util.Arrays.copyOf(merge, merge.length + 1);
        forced[merge.length] = "--force";
        assertEquals(0, run(err, forced), err.toString());
        EncoderCheckpoint second = EncoderCheckpoint.load(out);
        for (String n : first.weights().names()) {
            assertArrayEquals(first.weights().get(n).toFloatArray(), second.weights().get(n).toFloatArray(), n);
        }
        assertEquals(manifestBefore, Files.readString(manifest), "the calibration manifest is untouched");
        try (Stream<Path> st = Files.list(tmp)) {
            assertEquals(java.util.Set.of("audio", "merged"), java.util.Set.copyOf(st.map(p -> p.getFileName().toString()).toList()),
                    "no temporary sibling left");
        }
    }
}
