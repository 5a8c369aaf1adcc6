package org.permerge.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import org.apache.commons.math3.special.Erf;
import org.permerge.model.Convolution1d;
import org.permerge.model.PlainConvolution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code permerge doctor}: runs the libtorch ops the encoder and pretraining use, at shapes where libtorch
 * 2.7.1's bundled oneDNN is known to fail on some CPUs, on random data against plain float64 loops, and
 * reports each op's worst error for the raw libtorch op and for the path the project takes. Exit code 1
 * when the project's path is ever wrong or not bit-for-bit repeatable.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check this machine's libtorch against plain float64 references at the shapes where its bundled",
                "oneDNN is known to miscompute (conv1d with channel counts not a multiple of the block size), for the raw",
                "op and for the path permerge takes. Exit code 1 if permerge's path is ever wrong."})
public final class DoctorCommand implements Callable<Integer> {
    /** Largest error, relative to the reference's largest magnitude, that counts as right for float32. */
    static final double TOLERANCE = 1e-4;

    /** Flags that decide which oneDNN kernels run. */
    private static final List<String> ISA_FLAGS = List.of("sse4_1", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl",
            "avx512_vnni", "avx512_bf16", "avx512_vp2intersect", "avx512_fp16", "amx_tile", "amx_bf16");

    /** Conv shapes: B, C_in, C_out, K, stride, padding, groups, T, and why each is here. */
    private static final List<ConvCase> CONV_CASES = List.of(
            new ConvCase(2, 20, 24, 3, 2, 0, 1, 401, "CNN block, widths not multiples of 16"),
            new ConvCase(2, 24, 20, 4, 2, 0, 1, 800, "the issue's failing config, block 1"),
            new ConvCase(2, 17, 33, 5, 3, 2, 1, 200, "odd widths, padding"),
            new ConvCase(2, 40, 40, 3, 2, 0, 1, 300, "two 16-blocks and a partial one"),
            new ConvCase(2, 48, 80, 2, 2, 0, 1, 300, "input-gradient kernel (32-blocks)"),
            new ConvCase(2, 1, 24, 8, 4, 0, 1, 2001, "CNN block 0, odd output width"),
            new ConvCase(2, 1, 64, 10, 5, 0, 1, 2000, "mini encoders' block 0 (libtorch kept)"),
            new ConvCase(2, 64, 64, 3, 2, 0, 1, 400, "mini encoders' CNN (libtorch kept)"),
            new ConvCase(1, 512, 512, 3, 2, 0, 1, 41, "HuBERT/MERT CNN width (libtorch kept)"),
            new ConvCase(2, 48, 48, 12, 1, 6, 6, 99, "positional conv, 8 per group"),
            new ConvCase(2, 192, 192, 32, 1, 16, 16, 50, "mini encoders' positional conv, 12 per group"),
            new ConvCase(2, 96, 96, 16, 1, 8, 2, 60, "positional conv, 48 per group (as HuBERT Base)"));

    @Option(names = "--repeats", defaultValue = "2", description = "random inputs per op and shape (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random inputs")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
        PrintWriter out = spec.commandLine().getOut();
        out.println("permerge doctor");
        out.println("  cpu:      " + cpuDescription());
        out.println("  libtorch: " + Engine.getEngine("PyTorch").getVersion() + " (DJL " + Engine.getDjlVersion() + ", oneDNN as bundled)"
                + envNote("ONEDNN_MAX_CPU_ISA") + envNote("OMP_NUM_THREADS"));
        out.println("  route:    " + Convolution1d.route().name().toLowerCase(Locale.ROOT)
                + " (PERMERGE_CONV; auto = libtorch's conv only where every channel width is a multiple of 64 or the conv is grouped)");
        out.printf(Locale.ROOT, "  checks:   %d random inputs per row against float64 loops; wrong = error > %.0e of the reference's largest value%n%n",
                repeats, TOLERANCE);
        List<Row> rows = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < CONV_CASES.size(); i++) rows.addAll(checkConv(manager, CONV_CASES.get(i), seed * 1_000 + i));
            rows.addAll(checkOtherOps(manager, seed * 1_000 + 500));
        }
        out.printf(Locale.ROOT, "%-22s %-32s %-9s %-15s %-15s %s%n", "op", "shape", "permerge", "libtorch op", "permerge path", "why this shape");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "%-22s %-32s %-9s %-15s %-15s %s%n", r.op, r.shape, r.route, verdict(r.libtorchError, true),
                    verdict(r.projectError, r.projectRepeatable), r.why);
        }
        long rawWrong = rows.stream().filter(r -> !(r.libtorchError <= TOLERANCE)).count();
        long projectWrong = rows.stream().filter(r -> !(r.projectError <= TOLERANCE) || !r.projectRepeatable).count();
        out.println();
        if (rawWrong > 0) {
            out.printf(Locale.ROOT, "libtorch's own op was WRONG in %d of %d rows on this machine (its faulty kernels read padded channel"
                    + " blocks; the errors change from run to run).%n", rawWrong, rows.size());
        } else {
            out.println("libtorch's own ops were right in every row this time; the fault varies from run to run, so a clean run"
                    + " does not prove a machine safe.");
        }
        if (projectWrong == 0) {
            out.println("permerge's path: right and bit-for-bit repeatable in every row. OK");
            out.flush();
            return 0;
        }
        out.printf(Locale.ROOT, "permerge's path: WRONG in %d rows. Set PERMERGE_CONV=matmul to compute every convolution as unfold + matmul,"
                + " run the doctor again, and report the rows above.%n", projectWrong);
        out.flush();
        return 1;
    }

    private List<Row> checkConv(NDManager manager, ConvCase c, long caseSeed) {
        PlainConvolution plain = new PlainConvolution(c.batch, c.cin, c.cout, c.kernel, c.stride, c.padding, c.groups, c.length);
        Shape xShape = new Shape(c.batch, c.cin, c.length);
        Shape wShape = new Shape(c.cout, c.cin / c.groups, c.kernel);
        Shape yShape = new Shape(c.batch, c.cout, plain.outLength());
        double[] raw = new double[3];
        double[] project = new double[3];
        boolean repeatable = true;
        for (int rep = 0; rep < repeats; rep++) {
            Random random = new Random(caseSeed * 7_919 + rep);
            float[] x = gaussian(random, (int) xShape.size());
            float[] w = gaussian(random, (int) wShape.size());
            float[] bias = gaussian(random, c.cout);
            float[] r = gaussian(random, (int) yShape.size());
            double[] y = plain.forward(x, w, bias);
            double[][] grads = plain.gradients(x, w, r);
            double[][] refs = {y, grads[0], grads[1]};
            ConvFn libtorch = (xa, wa, ba) -> Convolution1d.libtorch(xa, wa, ba, c.stride, c.padding, c.groups);
            ConvFn routed = (xa, wa, ba) -> Convolution1d.conv1d(xa, wa, ba, c.stride, c.padding, c.groups);
            float[][] rawOut = runConv(manager, libtorch, x, xShape, w, wShape, bias, r, yShape);
            float[][] first = runConv(manager, routed, x, xShape, w, wShape, bias, r, yShape);
            float[][] second = runConv(manager, routed, x, xShape, w, wShape, bias, r, yShape);
            for (int q = 0; q < 3; q++) {
                raw[q] = Math.max(raw[q], relativeError(rawOut[q], refs[q]));
                project[q] = Math.max(project[q], relativeError(first[q], refs[q]));
                repeatable &= Arrays.equals(first[q], second[q]);
            }
        }
        String shape = String.format(Locale.ROOT, "B%d C%d>%d K%d s%d p%d%s T%d", c.batch, c.cin, c.cout, c.kernel, c.stride,
                c.padding, c.groups > 1 ? " g" + c.groups : "", c.length);
        String route = usesLibtorch(c) ? "libtorch" : "matmul";
        String[] what = {"conv1d forward", "conv1d grad input", "conv1d grad weight"};
        List<Row> rows = new ArrayList<>();
        for (int q = 0; q < 3; q++) rows.add(new Row(what[q], shape, route, raw[q], project[q], repeatable, c.why));
        return rows;
    }

    private static boolean usesLibtorch(ConvCase c) {
        return switch (Convolution1d.route()) {
            case LIBTORCH -> true;
            case MATMUL -> false;
            case AUTO -> Convolution1d.libtorchTrusted(c.cin, c.cout, c.groups);
        };
    }

    /** Forward value, input gradient and weight gradient of {@code sum(conv(x, w) * r)}. */
    private static float[][] runConv(NDManager manager, ConvFn conv, float[] x, Shape xShape, float[] w, Shape wShape,
                                     float[] bias, float[] r, Shape yShape) {
        try (NDManager scope = manager.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray xa = scope.create(x, xShape);
            NDArray wa = scope.create(w, wShape);
            NDArray ba = scope.create(bias, new Shape(bias.length));
            xa.setRequiresGradient(true);
            wa.setRequiresGradient(true);
            NDArray y = conv.apply(xa, wa, ba);
            float[] forward = y.toFloatArray();
            collector.backward(y.mul(scope.create(r, yShape)).sum());
            return new float[][] {forward, xa.getGradient().toFloatArray(), wa.getGradient().toFloatArray()};
        }
    }

    /** The encoder's other ops at odd widths; the project calls libtorch's op itself for these. */
    private List<Row> checkOtherOps(NDManager manager, long opSeed) {
        int b = 2;
        int t = 249;
        int width = 33;
        int outWidth = 47;
        int heads = 6;
        int headDim = 8;
        Shape tokens = new Shape(b, t, width);
        double[] err = new double[6];
        boolean[] repeatable = {true, true, true, true, true, true};
        for (int rep = 0; rep < repeats; rep++) {
            Random random = new Random(opSeed * 7_919 + rep);
            float[] x = gaussian(random, b * 20 * 999);
            float[] r = gaussian(random, x.length);
            double[] geluRef = new double[x.length];
            double[] geluGradRef = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double v = x[i];
                double cdf = 0.5 * (1 + Erf.erf(v / Math.sqrt(2)));
                geluRef[i] = v * cdf;
                geluGradRef[i] = r[i] * (cdf + v * Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI));
            }
            float[][] g1 = gelu(manager, x, r);
            float[][] g2 = gelu(manager, x, r);
            err[0] = Math.max(err[0], relativeError(g1[0], geluRef));
            err[1] = Math.max(err[1], relativeError(g1[1], geluGradRef));
            repeatable[0] &= Arrays.equals(g1[0], g2[0]);
            repeatable[1] &= Arrays.equals(g1[1], g2[1]);

            float[] h = gaussian(random, b * t * width);
            float[] gamma = gaussian(random, width);
            float[] beta = gaussian(random, width);
            Function<NDArray, NDArray> layerNorm = a -> LayerNorm.layerNorm(a, new Shape(width), a.getManager().create(gamma),
                    a.getManager().create(beta), 1e-5f).singletonOrThrow();
            err[2] = Math.max(err[2], relativeError(apply(manager, h, tokens, layerNorm), layerNormReference(h, width, gamma, beta)));
            repeatable[2] &= Arrays.equals(apply(manager, h, tokens, layerNorm), apply(manager, h, tokens, layerNorm));

            float[] weight = gaussian(random, outWidth * width);
            float[] bias = gaussian(random, outWidth);
            Function<NDArray, NDArray> linear = a -> Linear.linear(a, a.getManager().create(weight, new Shape(outWidth, width)),
                    a.getManager().create(bias)).singletonOrThrow();
            err[3] = Math.max(err[3], relativeError(apply(manager, h, tokens, linear), linearReference(h, width, weight, bias, outWidth)));
            repeatable[3] &= Arrays.equals(apply(manager, h, tokens, linear), apply(manager, h, tokens, linear));

            float[] query = gaussian(random, b * heads * t * headDim);
            float[] keyT = gaussian(random, b * heads * headDim * t);
            Function<NDArray, NDArray> scores = a -> a.matMul(a.getManager().create(keyT, new Shape(b, heads, headDim, t)));
            Shape queries = new Shape(b, heads, t, headDim);
            float[] mm = apply(manager, query, queries, scores);
            err[4] = Math.max(err[4], relativeError(mm, scoresReference(query, keyT, b * heads, t, headDim)));
            repeatable[4] &= Arrays.equals(mm, apply(manager, query, queries, scores));

            Shape rowsOfScores = new Shape(b * heads, t, t);
            Function<NDArray, NDArray> softmax = a -> a.softmax(-1);
            err[5] = Math.max(err[5], relativeError(apply(manager, mm, rowsOfScores, softmax), softmaxReference(mm, t)));
            repeatable[5] &= Arrays.equals(apply(manager, mm, rowsOfScores, softmax), apply(manager, mm, rowsOfScores, softmax));
        }
        String same = "libtorch";
        return List.of(
                new Row("gelu forward", "[2, 20, 999]", same, err[0], err[0], repeatable[0], "oneDNN eltwise"),
                new Row("gelu grad input", "[2, 20, 999]", same, err[1], err[1], repeatable[1], "oneDNN eltwise"),
                new Row("layer_norm", "[2, 249, 33] over 33", same, err[2], err[2], repeatable[2], "odd width"),
                new Row("linear", "[2, 249, 33] -> 47", same, err[3], err[3], repeatable[3], "odd widths"),
                new Row("matmul (attention)", "[2,6,249,8] @ [2,6,8,249]", same, err[4], err[4], repeatable[4], "head dim 8"),
                new Row("softmax", "[12, 249, 249] last axis", same, err[5], err[5], repeatable[5], "odd length"));
    }

    private static float[][] gelu(NDManager manager, float[] x, float[] r) {
        try (NDManager scope = manager.newSubManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray xa = scope.create(x, new Shape(2, 20, x.length / 40));
            xa.setRequiresGradient(true);
            NDArray y = Activation.gelu(xa);
            float[] forward = y.toFloatArray();
            collector.backward(y.mul(scope.create(r, xa.getShape())).sum());
            return new float[][] {forward, xa.getGradient().toFloatArray()};
        }
    }

    private static float[] apply(NDManager manager, float[] values, Shape shape, Function<NDArray, NDArray> op) {
        try (NDManager scope = manager.newSubManager()) {
            return op.apply(scope.create(values, shape)).toFloatArray();
        }
    }

    private static double[] layerNormReference(float[] h, int width, float[] gamma, float[] beta) {
        double[] y = new double[h.length];
        for (int row = 0; row < h.length / width; row++) {
            double mean = 0;
            for (int i = 0; i < width; i++) mean += h[row * width + i];
            mean /= width;
            double var = 0;
            for (int i = 0; i < width; i++) var += (h[row * width + i] - mean) * (h[row * width + i] - mean);
            double inv = 1 / Math.sqrt(var / width + 1e-5);
            for (int i = 0; i < width; i++) y[row * width + i] = (h[row * width + i] - mean) * inv * gamma[i] + beta[i];
        }
        return y;
    }

    private static double[] linearReference(float[] h, int width, float[] weight, float[] bias, int outWidth) {
        int rows = h.length / width;
        double[] y = new double[rows * outWidth];
        for (int row = 0; row < rows; row++) {
            for (int o = 0; o < outWidth; o++) {
                double acc = bias[o];
                for (int i = 0; i < width; i++) acc += (double) weight[o * width + i] * h[row * width + i];
                y[row * outWidth + o] = acc;
            }
        }
        return y;
    }

    private static double[] scoresReference(float[] query, float[] keyT, int batches, int t, int d) {
        double[] y = new double[batches * t * t];
        for (int bh = 0; bh < batches; bh++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    double acc = 0;
                    for (int k = 0; k < d; k++) acc += (double) query[(bh * t + i) * d + k] * keyT[(bh * d + k) * t + j];
                    y[(bh * t + i) * t + j] = acc;
                }
            }
        }
        return y;
    }

    private static double[] softmaxReference(float[] scores, int t) {
        double[] y = new double[scores.length];
        for (int row = 0; row < scores.length / t; row++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < t; j++) max = Math.max(max, scores[row * t + j]);
            double sum = 0;
            for (int j = 0; j < t; j++) sum += Math.exp(scores[row * t + j] - max);
            for (int j = 0; j < t; j++) y[row * t + j] = Math.exp(scores[row * t + j] - max) / sum;
        }
        return y;
    }

    /** Largest absolute error relative to the reference's largest magnitude; infinite when anything is non-finite. */
    static double relativeError(float[] got, double[] reference) {
        if (got.length != reference.length) throw new IllegalStateException(got.length + " values, expected " + reference.length);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            if (!Float.isFinite(got[i])) return Double.POSITIVE_INFINITY;
            scale = Math.max(scale, Math.abs(reference[i]));
            worst = Math.max(worst, Math.abs(got[i] - reference[i]));
        }
        return scale == 0 ? worst : worst / scale;
    }

    private static String verdict(double error, boolean repeatable) {
        String e = Double.isInfinite(error) ? "NaN/inf" : String.format(Locale.ROOT, "%.1e", error);
        if (!(error <= TOLERANCE)) return e + " WRONG";
        return repeatable ? e : e + " UNSTABLE";
    }

    private static float[] gaussian(Random random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian();
        return v;
    }

    private static String envNote(String name) {
        String v = System.getenv(name);
        return v == null ? "" : ", " + name + "=" + v;
    }

    /** Model name, family/model and the ISA flags from /proc/cpuinfo (or the JVM's architecture elsewhere). */
    static String cpuDescription() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        String arch = System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
        if (!Files.isReadable(cpuinfo)) return arch + " (no /proc/cpuinfo)";
        String name = "?";
        String family = "?";
        String model = "?";
        Set<String> flags = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("processor") && !flags.isEmpty()) break;
                switch (key) {
                    case "model name" -> name = value;
                    case "cpu family" -> family = value;
                    case "model" -> model = value;
                    case "flags" -> {
                        Set<String> present = Set.of(value.split("\\s+"));
                        for (String f : ISA_FLAGS) if (present.contains(f)) flags.add(f);
                    }
                    default -> { }
                }
            }
        } catch (IOException e) {
            return arch + " (/proc/cpuinfo unreadable: " + e.getMessage() + ")";
        }
        return name + " (family " + family + ", model " + model + "; " + arch + "); flags: " + String.join(" ", flags);
    }

    @FunctionalInterface
    private interface ConvFn {
        NDArray apply(NDArray x, NDArray w, NDArray bias);
    }

    private record ConvCase(int batch, int cin, int cout, int kernel, int stride, int padding, int groups, int length, String why) {
    }

    private record Row(String op, String shape, String route, double libtorchError, double projectError,
                       boolean projectRepeatable, String why) {
    }
}
