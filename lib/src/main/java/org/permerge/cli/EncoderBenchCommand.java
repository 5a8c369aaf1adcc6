package org.permerge.cli;

import org.permerge.study.Project;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.permerge.model.BlasEncoder;
import org.permerge.model.EncoderBackend;
import org.permerge.model.EncoderConfig;
import org.permerge.model.HubertEncoder;
import org.permerge.model.ParameterLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code permerge bench-encoder}: throughput of the encoder's inference forward at real HuBERT Base shapes
 * (random weights) on 10-second clips, on both backends (OpenBLAS: {@link BlasEncoder}; DJL), at each batch size,
 * as GFLOP/s next to the float32 GEMM peak that OpenBLAS reaches on a fixed reference shape in the same run
 * (interleaved, so both see the same machine load), plus audio seconds per second and peak memory.
 */
@Command(name = "bench-encoder", mixinStandardHelpOptions = true,
        description = {"Benchmark the encoder's inference forward at HuBERT Base shapes with random weights.",
                "Reports, per backend and batch size, GFLOP/s (convs, projections, attention, FFN) and its ratio to the",
                "float32 GEMM peak of OpenBLAS on a fixed M x K @ K x N shape timed in the same run (plus the encoder's",
                "own GEMM shapes for information), audio seconds per second, peak RSS and Java heap.",
                "Unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in the benchmark's command line if the environment forces them."})
public final class EncoderBenchCommand implements Callable<Integer> {
    @Option(names = "--config", description = "architecture config.json (default: HuBERT Base, data-manifests/fixtures/hf-hubert/hubert-base-architecture-config.json)")
    Path config;

    @Option(names = "--clip-seconds", defaultValue = "10", description = "clip length in seconds (default ${DEFAULT-VALUE})")
    double clipSeconds;

    @Option(names = "--batch", split = ",", defaultValue = "1,4", description = "clips per forward pass, one or more (default ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--repeats", defaultValue = "3", description = "timed forward passes per backend and batch (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--backend", split = ",", defaultValue = "blas,djl", description = "backends to time: blas, djl (default ${DEFAULT-VALUE})")
    List<String> backends;

    @Option(names = "--threads", description = "threads for OpenBLAS and the BLAS encoder's own passes (default: OMP_NUM_THREADS, else every processor)")
    Integer threads;

    @Option(names = "--peak-shape", defaultValue = "3072,10000,3072", description = "M,K,N of the reference GEMM (M x K) @ (K x N) (default ${DEFAULT-VALUE})")
    String peakShape;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random weights and audio")
    long seed;

    @Override
    public Integer call() throws Exception {
        Path cfgFile = config != null ? config : defaultConfig();
        EncoderConfig cfg = EncoderConfig.read(cfgFile);
        int rate = 16_000;
        int samples = (int) Math.round(clipSeconds * rate);
        int[] peak = parseShape(peakShape);
        for (int b : batches) if (b < 1) throw new IllegalArgumentException("--batch: expected positive clip counts, got " + b);
        for (String b : backends) {
            if (!b.equals("blas") && !b.equals("djl")) throw new IllegalArgumentException("--backend: expected blas or djl, got " + b);
        }
        int nThreads = threads != null ? threads : BlasEncoder.defaultThreads();
        if (nThreads < 1) throw new IllegalArgumentException("--threads: expected a positive count, got " + nThreads);
        BlasEncoder.setBlasThreads(nThreads); // the reference GEMM's threads; the encoder splits its own work nThreads ways
        System.out.printf(Locale.ROOT, "encoder: %s%nclips: %s x %.1f s at %d Hz per forward, %d timed forwards each%n",
                cfg, batches, clipSeconds, rate, repeats);
        System.out.printf(Locale.ROOT, "BLAS: %s, %d threads (OPENBLAS_CORETYPE=%s)%n", BlasEncoder.blasDescription(),
                BlasEncoder.blasThreads(), System.getenv().getOrDefault("OPENBLAS_CORETYPE", "unset"));
        StateDict weights = randomWeights(cfg, seed);
        double flopsPerClip = flopsPerClip(cfg, samples);
        int maxBatch = Collections.max(batches);
        float[] audio = new float[maxBatch * samples];
        SplittableRandom r = new SplittableRandom(seed + 1);
        for (int i = 0; i < audio.length; i++) audio[i] = (float) (r.nextDouble() * 0.2 - 0.1);
        double peakFlops = 2.0 * peak[0] * peak[1] * peak[2];
        List<Double> peakGflops = new ArrayList<>();
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        Map<String, Double> gemmSeconds = new LinkedHashMap<>();
        EncoderBackend before = EncoderBackend.chosen();
        try (HubertEncoder enc = HubertEncoder.create(cfg, weights); NDManager root = NDManager.newBaseManager();
             Gemm reference = new Gemm(peak[0], peak[1], peak[2])) {
            weights = null; // the encoder holds its own native copy
            enc.setBlasThreads(nThreads);
            reference.seconds(); // warm-up: thread start, buffers
            for (String backend : backends) {
                EncoderBackend.choose(backend.equals("blas") ? EncoderBackend.BLAS : EncoderBackend.DJL);
                for (int b : batches) timeForward(enc, root, audio, b, samples); // warm-up: first-call allocations, kernel choice
            }
            for (int i = 0; i < repeats; i++) {
                // Interleaved so that the peak and every forward see the same machine load.
                peakGflops.add(peakFlops / reference.seconds() / 1e9);
                for (String backend : backends) {
                    EncoderBackend.choose(backend.equals("blas") ? EncoderBackend.BLAS : EncoderBackend.DJL);
                    for (int b : batches) {
                        double gemm0 = BlasEncoder.gemmThreadSeconds();
                        seconds.computeIfAbsent(backend + " " + b, k -> new ArrayList<>()).add(timeForward(enc, root, audio, b, samples));
                        gemmSeconds.merge(backend + " " + b, BlasEncoder.gemmThreadSeconds() - gemm0, Double::sum);
                    }
                }
            }
        } finally {
            EncoderBackend.choose(before);
        }
        double peakMedian = median(peakGflops);
        System.out.printf(Locale.ROOT, "FLOPs per %.1f s clip: %.1f GFLOP%n", clipSeconds, flopsPerClip / 1e9);
        System.out.printf(Locale.ROOT, "float32 GEMM peak, OpenBLAS %dx%d @ %dx%d: %.1f GFLOP/s (median of %d; runs %s)%n",
                peak[0], peak[1], peak[1], peak[2], peakMedian, peakGflops.size(), format(peakGflops));
        for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
            String[] key = e.getKey().split(" ");
            int b = Integer.parseInt(key[1]);
            double sec = median(e.getValue());
            double gflops = flopsPerClip * b / sec / 1e9;
            System.out.printf(Locale.ROOT, "%-4s batch %d: %.3f s per forward (median of %d), %.2f s of audio per second, "
                            + "%.1f GFLOP/s, ratio to the GEMM peak %.3f%n",
                    key[0], b, sec, e.getValue().size(), b * clipSeconds / sec, gflops, gflops / peakMedian);
            if (key[0].equals("blas")) {
                double total = 0;
                for (double x : e.getValue()) total += x;
                System.out.printf(Locale.ROOT, "     share of the %d threads' time inside OpenBLAS GEMMs: %.0f %%%n", nThreads,
                        100 * gemmSeconds.get(e.getKey()) / (total * nThreads));
            }
        }
        try (Gemm g = new Gemm(0, 0, 0)) {
            int t = cfg.framesFor(samples);
            System.out.println("the encoder's own GEMM shapes on OpenBLAS (batch 1, for information):");
            if (cfg.numConvLayers() > 1) {
                g.report("conv block 1 (unfolded)", convFrames(cfg, samples, 1), cfg.convDim()[0] * cfg.convKernel()[1], cfg.convDim()[1]);
            }
            g.report("FFN intermediate", t, cfg.hiddenSize(), cfg.intermediateSize());
            g.report("FFN output", t, cfg.intermediateSize(), cfg.hiddenSize());
            g.report("QKV projection", t, cfg.hiddenSize(), 3 * cfg.hiddenSize());
            g.report("attention scores, one head", t, cfg.headDim(), t);
        }
        System.out.printf(Locale.ROOT, "peak RSS %.0f MiB, peak Java heap %.0f MiB%n", peakRssMiB(), peakHeapMiB());
        return 0;
    }

    private static int convFrames(EncoderConfig c, int samples, int block) {
        long t = samples;
        for (int j = 0; j <= block; j++) t = (t - c.convKernel()[j]) / c.convStride()[j] + 1;
        return (int) t;
    }

    private static int[] parseShape(String s) {
        String[] p = s.split(",");
        if (p.length != 3) throw new IllegalArgumentException("--peak-shape: expected M,K,N, got " + s);
        int[] r = new int[3];
        for (int i = 0; i < 3; i++) {
            r[i] = Integer.parseInt(p[i].trim());
            if (r[i] < 1) throw new IllegalArgumentException("--peak-shape: expected positive sizes, got " + s);
        }
        return r;
    }

    private static String format(List<Double> xs) {
        StringBuilder sb = new StringBuilder();
        for (double x : xs) sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", x));
        return sb.toString();
    }

    private static double timeForward(HubertEncoder enc, NDManager root, float[] audio, int batch, int samples) {
        try (NDManager scope = root.newSubManager()) {
            NDArray input = scope.create(Arrays.copyOf(audio, batch * samples), new Shape(batch, samples));
            long t0 = System.nanoTime();
            enc.forward(scope, input, null, null).lastHiddenState().toFloatArray();
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** A float32 OpenBLAS GEMM C = A·B on off-heap random operands, timed as the median of three runs. */
    private static final class Gemm implements AutoCloseable {
        private FloatPointer a;
        private FloatPointer b;
        private FloatPointer c;
        private int m;
        private int k;
        private int n;

        Gemm(int m, int k, int n) {
            resize(m, k, n);
        }

        private void resize(int m, int k, int n) {
            close();
            this.m = m;
            this.k = k;
            this.n = n;
            a = random((long) m * k, 1);
            b = random((long) k * n, 2);
            c = new FloatPointer(Math.max(1, (long) m * n));
        }

        private static FloatPointer random(long size, long seed) {
            FloatPointer p = new FloatPointer(Math.max(1, size));
            SplittableRandom r = new SplittableRandom(seed);
            float[] chunk = new float[1 << 16];
            for (long at = 0; at < size; at += chunk.length) {
                int len = (int) Math.min(chunk.length, size - at);
                for (int i = 0; i < len; i++) chunk[i] = (float) (r.nextDouble() - 0.5);
                p.position(at).put(chunk, 0, len);
            }
            return p.position(0);
        }

        double seconds() {
            List<Double> t = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                        openblas_nolapack.CblasNoTrans, m, n, k, 1f, a, k, b, n, 0f, c, n);
                t.add((System.nanoTime() - t0) / 1e9);
            }
            return median(t);
        }

        void report(String what, int m, int k, int n) {
            resize(m, k, n);
            seconds();
            double s = seconds();
            System.out.printf(Locale.ROOT, "  %-28s %6d x %5d @ %5d x %5d: %.1f GFLOP/s%n", what, m, k, k, n, 2.0 * m * k * n / s / 1e9);
        }

        @Override
        public void close() {
            for (FloatPointer p : new FloatPointer[] {a, b, c}) if (p != null) p.close();
            a = b = c = null;
        }
    }

    /**
     * Multiply-adds ×2 of the dense work in one clip: conv blocks, feature projection, positional conv,
     * q/k/v/out projections, attention scores and weighted values, FFN. Norms and activations are not counted.
     */
    static double flopsPerClip(EncoderConfig c, int samples) {
        double flops = 0;
        long t = samples;
        int in = 1;
        for (int j = 0; j < c.numConvLayers(); j++) {
            t = (t - c.convKernel()[j]) / c.convStride()[j] + 1;
            flops += 2.0 * t * c.convDim()[j] * in * c.convKernel()[j];
            in = c.convDim()[j];
        }
        double h = c.hiddenSize();
        flops += 2.0 * t * in * h;
        flops += 2.0 * t * h * (h / c.numConvPosEmbeddingGroups()) * c.numConvPosEmbeddings();
        double perLayer = 4 * 2.0 * t * h * h + 2 * 2.0 * t * t * h + 2 * 2.0 * t * h * c.intermediateSize();
        return flops + c.numHiddenLayers() * perLayer;
    }

    /** N(0, 0.02²) weights, norm scales near 1, as an initialised (untrained) model has. */
    static StateDict randomWeights(EncoderConfig cfg, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StateDict sd = new StateDict();
        for (Map.Entry<String, long[]> e : ParameterLayout.expectedShapes(cfg).entrySet()) {
            float[] v = new float[Math.toIntExact(Tensor.numel(e.getValue()))];
            boolean scale = e.getKey().endsWith("norm.weight") || e.getKey().equals(ParameterLayout.POS_CONV_G);
            for (int i = 0; i < v.length; i++) v[i] = (float) ((scale ? 1 : 0) + 0.02 * gaussian(r));
            sd.put(e.getKey(), Tensor.ofFloats(e.getValue(), v));
        }
        return sd;
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * v);
    }

    /** HuBERT Base's architecture from the project's reference fixtures ({@link Project#fixtures()}). */
    static Path defaultConfig() {
        Path p;
        try {
            p = Project.fixtures().resolve("hf-hubert/hubert-base-architecture-config.json");
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage() + "; pass --config <config.json>");
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no architecture config at " + p + "; pass --config <config.json>");
        }
        return p;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** Peak resident set size of this process (Linux VmHWM). */
    private static double peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
            }
        } catch (Exception e) {
            // not Linux: reported as NaN below
        }
        return Double.NaN;
    }

    private static double peakHeapMiB() {
        double sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        }
        return sum / (1024.0 * 1024.0);
    }
}
