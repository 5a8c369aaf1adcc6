package org.permerge.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.permerge.correlate.CrossCorrelation;
import org.permerge.match.LinearAssignment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Benchmarks of the alignment core against the reference implementations, measured in one run on the
 * same inputs: the assignment solver against SciPy's {@code linear_sum_assignment}, and the streaming
 * co-moment accumulation against numpy doing the same float64 computation. Prints ratios (ours / theirs).
 */
@Command(name = "align-bench", mixinStandardHelpOptions = true,
        description = "Time LinearAssignment vs SciPy and CrossCorrelation vs numpy on the same data (ratios).")
public final class AlignBenchCommand implements Runnable {
    @Option(names = "--sizes", split = ",", defaultValue = "512,768,3072", description = "Square assignment sizes.")
    int[] sizes;

    @Option(names = "--kinds", split = ",", defaultValue = "correlation,noise",
            description = "Cost matrices: correlation (correlation-like) and/or noise (uniform).")
    List<String> kinds;

    @Option(names = "--repeats", defaultValue = "5", description = "Timed repetitions per case (median reported).")
    int repeats;

    @Option(names = "--units", defaultValue = "3072", description = "Units of each model for the statistics benchmark.")
    int units;

    @Option(names = "--frames", defaultValue = "100000", description = "Frames accumulated in the statistics benchmark.")
    int frames;

    @Option(names = "--batch", defaultValue = "10000", description = "Frames per update batch.")
    int batch;

    @Option(names = "--pool", defaultValue = "10000", description = "Distinct frames generated (cycled to reach --frames).")
    int pool;

    @Option(names = "--stats-repeats", defaultValue = "2", description = "Timed repetitions of the statistics benchmark (each side).")
    int statsRepeats;

    @Option(names = "--skip-assignment", description = "Skip the assignment benchmark.")
    boolean skipAssignment;

    @Option(names = "--skip-statistics", description = "Skip the statistics benchmark.")
    boolean skipStatistics;

    @Option(names = "--python", defaultValue = "python3", description = "Python with numpy and scipy (reference only).")
    String python;

    @Option(names = "--reference-script", description = "Path of environment/bench/align_reference.py "
            + "(default: found under PERMERGE_HOME or the working folder).")
    Path script;

    @Override
    public void run() {
        Path ref = script != null ? script : findScript();
        Path tmp;
        try {
            tmp = Files.createTempDirectory("permerge-align-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("align-bench: java " + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores; reference " + python + " " + ref);
        try {
            if (!skipAssignment) assignment(ref, tmp);
            if (!skipStatistics) statistics(ref, tmp);
        } finally {
            deleteTree(tmp);
        }
    }

    private void assignment(Path ref, Path tmp) {
        System.out.println();
        System.out.println("LinearAssignment.solve(maximize) vs scipy.optimize.linear_sum_assignment(maximize=True)");
        System.out.printf("%-12s %6s %12s %12s %8s  %s%n", "matrix", "n", "ours [s]", "scipy [s]", "ratio", "totals agree (medians of equal run counts)");
        // Warm the JIT (untimed) until the solver's loops are compiled: a few seconds of mixed problems.
        long warmUntil = System.nanoTime() + 3_000_000_000L;
        for (int w = 0; System.nanoTime() < warmUntil; w++) {
            int n = 200 + 50 * (w % 8);
            LinearAssignment.solve(costMatrix(w % 2 == 0 ? "noise" : "correlation", n, w), n, n, true);
        }
        for (int n : sizes) {
            for (String kind : kinds) {
                double[] cost = costMatrix(kind, n, 1000L + n);
                Path file = tmp.resolve("cost-" + kind + "-" + n + ".f64");
                writeDoubles(file, cost);
                // One untimed solve of another matrix of this kind and size: the timed runs see compiled code.
                LinearAssignment.solve(costMatrix(kind, n, 7L * n), n, n, true);
                // Small problems take milliseconds: repeat them for at least a second so the median means something
                // on a busy machine; both sides get the same number of repetitions.
                List<Double> times = new ArrayList<>();
                double total = 0;
                long began = System.nanoTime();
                while (times.size() < repeats || (System.nanoTime() - began < 1_000_000_000L && times.size() < 200)) {
                    long t0 = System.nanoTime();
                    total = LinearAssignment.solve(cost, n, n, true).total();
                    times.add((System.nanoTime() - t0) / 1e9);
                }
                JsonObject py = runReference(ref, "assign", file.toString(), Integer.toString(n), Integer.toString(n),
                        Integer.toString(times.size()));
                double theirs = py.get("median_s").getAsDouble();
                double theirTotal = py.get("total").getAsDouble();
                boolean agree = Math.abs(total - theirTotal) <= 1e-9 * Math.max(1, Math.abs(theirTotal));
                double ours = median(times.stream().mapToDouble(Double::doubleValue).toArray());
                System.out.printf("%-12s %6d %12.4f %12.4f %7.2fx  %s (%.9g vs %.9g)%n", kind, n, ours, theirs, ours / theirs,
                        agree ? "yes" : "NO", total, theirTotal);
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless; the folder is removed at the end
                }
            }
        }
    }

    /**
     * A cost matrix of the given kind: "noise" is uniform on [0, 1); "correlation" looks like a measured
     * unit correlation — low-rank shared structure, a planted partial match and noise, within [-1, 1].
     */
    public static double[] costMatrix(String kind, int n, long seed) {
        Random rnd = new Random(seed);
        double[] c = new double[n * n];
        switch (kind) {
            case "noise" -> {
                for (int k = 0; k < c.length; k++) c[k] = rnd.nextDouble();
            }
            case "correlation" -> {
                int rank = 16;
                double[] u = new double[n * rank];
                double[] v = new double[n * rank];
                for (int k = 0; k < u.length; k++) {
                    u[k] = rnd.nextGaussian() / Math.sqrt(rank);
                    v[k] = rnd.nextGaussian() / Math.sqrt(rank);
                }
                int[] perm = new int[n];
                for (int i = 0; i < n; i++) perm[i] = i;
                for (int i = n - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int r = 0; r < rank; r++) s += u[i * rank + r] * v[j * rank + r];
                        c[i * n + j] = 0.3 * s + 0.05 * rnd.nextGaussian();
                    }
                    // Only some units have a clear partner, as in real layers.
                    if (rnd.nextDouble() < 0.6) c[i * n + perm[i]] += 0.2 + 0.6 * rnd.nextDouble();
                }
                for (int k = 0; k < c.length; k++) c[k] = Math.max(-1, Math.min(1, c[k]));
            }
            default -> throw new IllegalArgumentException("unknown matrix kind '" + kind + "'; expected correlation or noise");
        }
        return c;
    }

    private void statistics(Path ref, Path tmp) {
        System.out.println();
        System.out.printf("CrossCorrelation.update vs numpy (float64 batch co-moment + Chan combine): %d frames, %d×%d units, "
                + "batches of %d%n", frames, units, units, batch);
        int poolFrames = Math.min(pool, frames);
        Random rnd = new Random(5);
        float[] a = new float[poolFrames * units];
        float[] b = new float[poolFrames * units];
        for (int k = 0; k < a.length; k++) {
            // GELU-like positive activations with a common offset, correlated across the models.
            float x = (float) rnd.nextGaussian();
            a[k] = x > 0 ? x + 0.2f : 0.2f * (float) Math.exp(x);
            b[k] = 0.5f * a[k] + 0.5f * (float) rnd.nextGaussian();
        }
        Path fa = tmp.resolve("a.f32");
        Path fb = tmp.resolve("b.f32");
        writeFloats(fa, a);
        writeFloats(fb, b);
        double[] times = new double[statsRepeats];
        double[] theirTimes = new double[statsRepeats];
        double checksum = 0;
        double first = 0;
        JsonObject py = null;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pa = m.create(a, new Shape(poolFrames, units));
            NDArray pb = m.create(b, new Shape(poolFrames, units));
            // Warm up the engine and the JIT on a small slice (untimed).
            new CrossCorrelation(units, units).update(pa.get("0:256"), pb.get("0:256"));
            // Alternate the order (ours, numpy, numpy, ours, ...) so a drifting machine load biases neither side.
            for (int r = 0; r < statsRepeats; r++) {
                if (r % 2 == 1) {
                    py = referenceStatistics(ref, fa, fb, poolFrames);
                    theirTimes[r] = py.get("median_s").getAsDouble();
                }
                CrossCorrelation cc = new CrossCorrelation("bench", units, units);
                long t0 = System.nanoTime();
                int done = 0;
                while (done < frames) {
                    int start = done % poolFrames;
                    int take = Math.min(batch, Math.min(frames - done, poolFrames - start));
                    try (NDManager scope = m.newSubManager()) {
                        NDArray xa = pa.get(start + ":" + (start + take));
                        NDArray xb = pb.get(start + ":" + (start + take));
                        xa.attach(scope);
                        xb.attach(scope);
                        cc.update(xa, xb);
                    }
                    done += take;
                }
                times[r] = (System.nanoTime() - t0) / 1e9;
                double[] com = cc.comoment();
                checksum = Arrays.stream(com).sum();
                first = com[0];
                if (r % 2 == 0) {
                    py = referenceStatistics(ref, fa, fb, poolFrames);
                    theirTimes[r] = py.get("median_s").getAsDouble();
                }
            }
        }
        double ours = median(times);
        double theirs = median(theirTimes);
        double theirFirst = py.get("comoment_00").getAsDouble();
        System.out.println("runs: ours " + Arrays.toString(times) + ", numpy " + Arrays.toString(theirTimes));
        System.out.printf("%-12s %12s %12s %8s%n", "", "ours [s]", "numpy [s]", "ratio");
        System.out.printf("%-12s %12.3f %12.3f %7.2fx%n", "statistics", ours, theirs, ours / theirs);
        System.out.printf("co-moment[0][0] ours %.12g numpy %.12g (rel diff %.2e); sum ours %.12g numpy %.12g; numpy %s, BLAS %s%n",
                first, theirFirst, Math.abs(first - theirFirst) / Math.abs(theirFirst), checksum,
                py.get("comoment_sum").getAsDouble(), py.get("numpy").getAsString(), py.get("blas").getAsString());
    }

    private JsonObject referenceStatistics(Path ref, Path fa, Path fb, int poolFrames) {
        return runReference(ref, "stats", fa.toString(), fb.toString(), Integer.toString(poolFrames),
                Integer.toString(units), Integer.toString(units), Integer.toString(frames), Integer.toString(batch), "1");
    }

    private JsonObject runReference(Path ref, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(python);
        cmd.add(ref.toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set on some machines for old OpenBLAS builds, slow a
        // current numpy down: the reference runs without them (both together).
        Map<String, String> env = pb.environment();
        env.remove("OPENBLAS_CORETYPE");
        env.remove("OPENBLAS_L2_SIZE");
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0) {
                throw new IllegalStateException("reference " + cmd + " failed (exit " + p.exitValue() + "): " + out);
            }
            String[] lines = out.strip().split("\n");
            return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run the reference '" + python + "' (needs numpy and scipy): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Path findScript() {
        List<Path> candidates = new ArrayList<>();
        String home = System.getenv("PERMERGE_HOME");
        if (home != null) candidates.add(Path.of(home, "environment", "bench", "align_reference.py"));
        candidates.add(Path.of("environment", "bench", "align_reference.py"));
        candidates.add(Path.of("..", "environment", "bench", "align_reference.py"));
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) return c.toAbsolutePath().normalize();
        }
        throw new IllegalStateException("reference script not found (looked at " + candidates
                + "); pass --reference-script");
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    private static void writeDoubles(Path file, double[] values) {
        write(file, values.length * 8L, buf -> buf.asDoubleBuffer().put(values));
    }

    private static void writeFloats(Path file, float[] values) {
        write(file, values.length * 4L, buf -> buf.asFloatBuffer().put(values));
    }

    private static void write(Path file, long bytes, java.util.function.Consumer<ByteBuffer> fill) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ)) {
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes).order(ByteOrder.LITTLE_ENDIAN);
            fill.accept(buf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write benchmark input " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort for temporary benchmark files
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
