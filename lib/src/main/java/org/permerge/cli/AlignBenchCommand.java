package org.permerge.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.permerge.correlate.CrossCorrelation;
import org.permerge.correlate.StatisticsPrecision;
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
 * co-moment accumulation (float32 and float64) against numpy doing the float64 computation and against the
 * float32 GEMM peak measured in the same run on the co-moment's own shape (OpenBLAS in this process, DJL, and
 * numpy/OpenBLAS when python is present; the statistics part runs without python). Prints ratios.
 */
@Command(name = "align-bench", mixinStandardHelpOptions = true,
        description = "Time LinearAssignment vs SciPy and CrossCorrelation (float32/float64) vs numpy and the float32 GEMM peak (ratios).")
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

    @Option(names = "--small-shape", defaultValue = "768x20000", paramLabel = "UNITSxFRAMES",
            description = "A second, smaller statistics shape (units × frames); 'none' to skip (default ${DEFAULT-VALUE}).")
    String smallShape;

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
        Path ref = script != null ? script : findScript(skipAssignment);
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
        statisticsAt(ref, tmp, units, frames);
        if (smallShape != null && !smallShape.isBlank() && !smallShape.equals("none")) {
            String[] p = smallShape.toLowerCase(java.util.Locale.ROOT).split("x");
            if (p.length != 2) throw new IllegalArgumentException("--small-shape: expected UNITSxFRAMES, e.g. 768x20000, got " + smallShape);
            statisticsAt(ref, tmp, Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
        }
    }

    /**
     * One shape: the float32 and float64 statistics paths and numpy's float64 reference, interleaved; the float32
     * GEMM peak measured on the batch's own product shape by DJL and (when python is there) numpy/OpenBLAS; the
     * float32 path's GFLOP/s against the best of them, and its correlations against the float64 path's.
     */
    private void statisticsAt(Path ref, Path tmp, int units, int frames) {
        System.out.println();
        int batch = Math.min(this.batch, frames);
        System.out.printf("CrossCorrelation.update, float32 and float64 co-moments, vs numpy (float64 batch co-moment + Chan"
                + " combine): %d frames, %d×%d units, batches of %d%n", frames, units, units, batch);
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
        double[] t32 = new double[statsRepeats];
        double[] t64 = new double[statsRepeats];
        List<Double> theirTimes = new ArrayList<>();
        String pythonMissing = null;
        double flop = 2.0 * units * units * frames;
        double djlPeak;
        double blasPeak;
        double worst = 0;
        double[] com64 = null;
        List<Integer> sizes = batchSizes(poolFrames, frames);
        double[] paired = new double[statsRepeats];
        try (NDManager m = NDManager.newBaseManager(); GemmProbe probe = new GemmProbe(units, batch)) {
            NDArray pa = m.create(a, new Shape(poolFrames, units));
            NDArray pb = m.create(b, new Shape(poolFrames, units));
            // Warm up the engine and the JIT on a small slice (untimed).
            for (StatisticsPrecision p : StatisticsPrecision.values()) {
                new CrossCorrelation("warm-up", units, units, p).update(pa.get("0:256"), pb.get("0:256"));
            }
            djlPeak = djlGemmPeak(m, units, batch);
            blasPeak = probe.peak(batch);
            // Alternate the order (float32, float64, numpy; then numpy, float64, float32 ...) so a drifting machine
            // load biases no side.
            for (int r = 0; r < statsRepeats; r++) {
                boolean forward = r % 2 == 0;
                if (!forward && pythonMissing == null) pythonMissing = referenceInto(ref, fa, fb, poolFrames, units, frames, theirTimes);
                CrossCorrelation first = accumulate(m, pa, pb, poolFrames, units, frames, forward ? StatisticsPrecision.FLOAT32 : StatisticsPrecision.FLOAT64);
                CrossCorrelation second = accumulate(m, pa, pb, poolFrames, units, frames, forward ? StatisticsPrecision.FLOAT64 : StatisticsPrecision.FLOAT32);
                CrossCorrelation f32 = forward ? first : second;
                CrossCorrelation f64 = forward ? second : first;
                t32[r] = seconds.get(f32);
                // The same batches' GEMMs alone, timed right after: a machine whose load drifts moves both alike.
                double gemmOnly = 0;
                for (int size : sizes) gemmOnly += probe.run(size);
                paired[r] = gemmOnly / t32[r];
                t64[r] = seconds.get(f64);
                seconds.clear();
                double[] r32 = f32.correlation();
                double[] r64 = f64.correlation();
                for (int k = 0; k < r32.length; k++) worst = Math.max(worst, Math.abs(r32[k] - r64[k]));
                com64 = f64.comoment();
                if (forward && pythonMissing == null) pythonMissing = referenceInto(ref, fa, fb, poolFrames, units, frames, theirTimes);
            }
        }
        double numpyPeak = Double.NaN;
        if (pythonMissing == null) {
            JsonObject g = runReferenceOrNull(ref, "gemm", Integer.toString(units), Integer.toString(batch), Integer.toString(units),
                    "float32", "3");
            if (g != null) numpyPeak = g.get("best_gflops").getAsDouble();
        }
        // The peak is the best well-kept GEMM measured here: OpenBLAS in this process, numpy's when present, DJL's.
        double peak = Math.max(blasPeak, Double.isNaN(numpyPeak) ? djlPeak : Math.max(djlPeak, numpyPeak));
        double ours32 = median(t32);
        double ours64 = median(t64);
        System.out.println("runs [s]: float32 " + Arrays.toString(t32) + ", float64 " + Arrays.toString(t64)
                + (theirTimes.isEmpty() ? "" : ", numpy float64 " + theirTimes));
        System.out.printf("float32 GEMM peak, X[%d,%d]ᵀ·Y[%d,%d], best of 3: OpenBLAS %.1f GFLOP/s (%d threads), DJL %.1f GFLOP/s, numpy %s%n",
                batch, units, batch, units, blasPeak, org.permerge.io.Blas.threads(), djlPeak, Double.isNaN(numpyPeak) ? "unavailable (" + (pythonMissing != null ? pythonMissing : "gemm reference failed") + ")"
                        : String.format(java.util.Locale.ROOT, "%.1f GFLOP/s", numpyPeak));
        System.out.printf("%-22s %10s %10s %12s%n", "", "time [s]", "GFLOP/s", "of peak");
        System.out.printf("%-22s %10.3f %10.1f %11.2f%n", "statistics float32", ours32, flop / ours32 / 1e9, flop / ours32 / 1e9 / peak);
        System.out.printf("statistics float32 vs the same batches' OpenBLAS GEMMs alone, timed right after each run: %s, median %.2f of the GEMM's speed%n",
                Arrays.toString(Arrays.stream(paired).map(x -> Math.round(x * 100) / 100.0).toArray()), median(paired));
        System.out.printf("%-22s %10.3f %10.1f %11.2f%n", "statistics float64", ours64, flop / ours64 / 1e9, flop / ours64 / 1e9 / peak);
        if (!theirTimes.isEmpty()) {
            double theirs = median(theirTimes.stream().mapToDouble(Double::doubleValue).toArray());
            System.out.printf("%-22s %10.3f %10.1f %11.2f%n", "numpy float64", theirs, flop / theirs / 1e9, flop / theirs / 1e9 / peak);
            System.out.printf("ratios: float64/float32 time %.2fx; float32/numpy-float64 time %.2fx; float64/numpy-float64 time %.2fx%n",
                    ours64 / ours32, ours32 / theirs, ours64 / theirs);
            double theirFirst = lastReference.get("comoment_00").getAsDouble();
            System.out.printf("co-moment[0][0] float64 %.12g numpy %.12g (rel diff %.2e); numpy %s, BLAS %s%n", com64[0], theirFirst,
                    Math.abs(com64[0] - theirFirst) / Math.abs(theirFirst), lastReference.get("numpy").getAsString(),
                    lastReference.get("blas").getAsString());
        } else {
            System.out.printf("ratio: float64/float32 time %.2fx (numpy reference unavailable: %s)%n", ours64 / ours32, pythonMissing);
        }
        System.out.printf("accuracy: max |ρ float32 − ρ float64| over %d×%d correlations = %.2e%n", units, units, worst);
    }

    /** Seconds each accumulator took, read right after it is built. */
    private final Map<CrossCorrelation, Double> seconds = new java.util.IdentityHashMap<>();
    private JsonObject lastReference;

    private CrossCorrelation accumulate(NDManager m, NDArray pa, NDArray pb, int poolFrames, int units, int frames, StatisticsPrecision p) {
        int batch = Math.min(this.batch, frames);
        CrossCorrelation cc = new CrossCorrelation("bench", units, units, p);
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
        seconds.put(cc, (System.nanoTime() - t0) / 1e9);
        return cc;
    }

    /** The best of three DJL float32 products of the co-moment's shape, X[batch, units]ᵀ·Y[batch, units], in GFLOP/s. */
    private static double djlGemmPeak(NDManager m, int units, int batch) {
        try (NDManager s = m.newSubManager()) {
            NDArray x = s.randomNormal(new Shape(batch, units));
            NDArray y = s.randomNormal(new Shape(batch, units));
            x.transpose().matMul(y).close();
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 3; r++) {
                long t0 = System.nanoTime();
                x.transpose().matMul(y).close();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * units * units * batch / best / 1e9;
        }
    }

    /**
     * OpenBLAS float32 products of the co-moment's shape, X[rows, units]ᵀ·Y[rows, units], on random operands held
     * off-heap: the GEMM the statistics run, alone.
     */
    private static final class GemmProbe implements AutoCloseable {
        private final int units;
        private final org.bytedeco.javacpp.FloatPointer x;
        private final org.bytedeco.javacpp.FloatPointer y;
        private final org.bytedeco.javacpp.FloatPointer c;

        GemmProbe(int units, int maxRows) {
            this.units = units;
            x = new org.bytedeco.javacpp.FloatPointer((long) maxRows * units);
            y = new org.bytedeco.javacpp.FloatPointer((long) maxRows * units);
            c = new org.bytedeco.javacpp.FloatPointer((long) units * units);
            Random rnd = new Random(3);
            float[] row = new float[units];
            for (int r = 0; r < maxRows; r++) {
                for (int k = 0; k < units; k++) row[k] = (float) rnd.nextGaussian();
                x.position((long) r * units).put(row).position(0);
                for (int k = 0; k < units; k++) row[k] = (float) rnd.nextGaussian();
                y.position((long) r * units).put(row).position(0);
            }
            run(maxRows);
        }

        /** Seconds of one product over the first {@code rows} rows. */
        double run(int rows) {
            long t0 = System.nanoTime();
            org.permerge.io.Blas.sgemm(true, false, units, units, rows, 1f, x, units, y, units, 0f, c, units);
            return (System.nanoTime() - t0) / 1e9;
        }

        /** The best of three products of {@code rows} rows, in GFLOP/s. */
        double peak(int rows) {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 3; r++) best = Math.min(best, run(rows));
            return 2.0 * units * units * rows / best / 1e9;
        }

        @Override
        public void close() {
            x.close();
            y.close();
            c.close();
        }
    }

    /** The batch sizes {@link #accumulate} feeds, in order. */
    private List<Integer> batchSizes(int poolFrames, int frames) {
        int batch = Math.min(this.batch, frames);
        List<Integer> sizes = new ArrayList<>();
        for (int done = 0; done < frames; ) {
            int start = done % poolFrames;
            int take = Math.min(batch, Math.min(frames - done, poolFrames - start));
            sizes.add(take);
            done += take;
        }
        return sizes;
    }

    /** Runs numpy's statistics once and records its time; returns why it could not, or null. */
    private String referenceInto(Path ref, Path fa, Path fb, int poolFrames, int units, int frames, List<Double> times) {
        if (ref == null) return "no reference script";
        try {
            lastReference = runReference(ref, "stats", fa.toString(), fb.toString(), Integer.toString(poolFrames),
                    Integer.toString(units), Integer.toString(units), Integer.toString(frames), Integer.toString(Math.min(batch, frames)), "1");
            times.add(lastReference.get("median_s").getAsDouble());
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    private JsonObject runReferenceOrNull(Path ref, String... args) {
        try {
            return runReference(ref, args);
        } catch (IllegalStateException e) {
            System.out.println("reference " + String.join(" ", args) + " failed: " + e.getMessage());
            return null;
        }
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

    /** The reference script; without it the statistics benchmark still runs (no numpy columns) when it is all that was asked. */
    private static Path findScript(boolean optional) {
        List<Path> candidates = new ArrayList<>();
        String home = System.getenv("PERMERGE_HOME");
        if (home != null) candidates.add(Path.of(home, "environment", "bench", "align_reference.py"));
        candidates.add(Path.of("environment", "bench", "align_reference.py"));
        candidates.add(Path.of("..", "environment", "bench", "align_reference.py"));
        for (Path c : candidates) {
            if (Files.isRegularFile(c)) return c.toAbsolutePath().normalize();
        }
        if (optional) return null;
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
