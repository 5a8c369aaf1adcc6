package org.permerge.cli;

import org.permerge.study.Project;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code permerge bench-encoder}: throughput of the encoder at real HuBERT Base shapes (random weights) on
 * 10-second clips, as audio seconds per second and as a fraction of a plain DJL matmul's GFLOP/s measured
 * in the same run, plus peak memory.
 */
@Command(name = "bench-encoder", mixinStandardHelpOptions = true,
        description = {"Benchmark the encoder at HuBERT Base shapes with random weights.",
                "Reports audio seconds per second, peak RSS and Java heap, and achieved GFLOP/s (convs, projections,",
                "attention, FFN) relative to a float32 DJL matmul 3072x768 @ 768xN timed in the same run."})
public final class EncoderBenchCommand implements Callable<Integer> {
    @Option(names = "--config", description = "architecture config.json (default: HuBERT Base, data-manifests/fixtures/hf-hubert/hubert-base-architecture-config.json)")
    Path config;

    @Option(names = "--clip-seconds", defaultValue = "10", description = "clip length in seconds (default ${DEFAULT-VALUE})")
    double clipSeconds;

    @Option(names = "--batch", defaultValue = "2", description = "clips per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--repeats", defaultValue = "5", description = "timed forward passes (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--matmul-n", defaultValue = "20000", description = "N of the reference matmul (default ${DEFAULT-VALUE})")
    int matmulN;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random weights and audio")
    long seed;

    @Override
    public Integer call() throws Exception {
        Path cfgFile = config != null ? config : defaultConfig();
        EncoderConfig cfg = EncoderConfig.read(cfgFile);
        int rate = 16_000;
        int samples = (int) Math.round(clipSeconds * rate);
        System.out.printf(Locale.ROOT, "encoder: %s%nclips: %d x %.1f s at %d Hz per forward, %d timed forwards%n",
                cfg, batch, clipSeconds, rate, repeats);
        StateDict weights = randomWeights(cfg, seed);
        double flopsPerClip = flopsPerClip(cfg, samples);
        List<Double> encoderSeconds = new ArrayList<>();
        List<Double> matmulGflops = new ArrayList<>();
        try (HubertEncoder enc = HubertEncoder.create(cfg, weights); NDManager root = NDManager.newBaseManager()) {
            weights = null; // the encoder holds its own native copy
            float[] audio = new float[batch * samples];
            SplittableRandom r = new SplittableRandom(seed + 1);
            for (int i = 0; i < audio.length; i++) audio[i] = (float) (r.nextDouble() * 0.2 - 0.1);
            NDArray input = root.create(audio, new Shape(batch, samples));
            NDArray a = root.randomNormal(new Shape(3072, 768));
            NDArray b = root.randomNormal(new Shape(768, matmulN));
            double matmulFlops = 2.0 * 3072 * 768 * matmulN;
            timeForward(enc, root, input); // warm-up: first-call allocations and kernel selection
            timeMatmul(root, a, b);
            for (int i = 0; i < repeats; i++) {
                // Interleaved so that both see the same machine load.
                matmulGflops.add(matmulFlops / timeMatmul(root, a, b) / 1e9);
                encoderSeconds.add(timeForward(enc, root, input));
            }
        }
        double sec = median(encoderSeconds);
        double encGflops = flopsPerClip * batch / sec / 1e9;
        double refGflops = median(matmulGflops);
        System.out.printf(Locale.ROOT, "FLOPs per %.1f s clip: %.1f GFLOP%n", clipSeconds, flopsPerClip / 1e9);
        System.out.printf(Locale.ROOT, "forward (median of %d): %.3f s per batch of %d -> %.2f s of audio per second%n",
                repeats, sec, batch, batch * clipSeconds / sec);
        System.out.printf(Locale.ROOT, "encoder: %.1f GFLOP/s; DJL matmul 3072x768 @ 768x%d: %.1f GFLOP/s; ratio %.3f%n",
                encGflops, matmulN, refGflops, encGflops / refGflops);
        System.out.printf(Locale.ROOT, "peak RSS %.0f MiB, peak Java heap %.0f MiB%n", peakRssMiB(), peakHeapMiB());
        return 0;
    }

    private static double timeForward(HubertEncoder enc, NDManager root, NDArray input) {
        try (NDManager scope = root.newSubManager()) {
            long t0 = System.nanoTime();
            enc.forward(scope, input, null, null).lastHiddenState().toFloatArray();
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static double timeMatmul(NDManager root, NDArray a, NDArray b) {
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (NDManager scope = root.newSubManager()) {
                long t0 = System.nanoTime();
                NDArray c = a.matMul(b);
                c.attach(scope);
                c.get(0, 0).getFloat(); // forces completion on any engine
                t.add((System.nanoTime() - t0) / 1e9);
            }
        }
        return median(t);
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
