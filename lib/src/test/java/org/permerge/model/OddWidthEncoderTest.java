package org.permerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.checkpoint.StateDict;
import org.permerge.pretrain.Initialization;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder at issue 14's failing config (conv widths 24/20, not multiples of 16): fresh processes agree
 * bit for bit, and agree with the same forward run on oneDNN's plain-layout kernels (ISA capped at SSE4.1,
 * libtorch's convolution everywhere), which the fault does not reach; gradients match finite differences.
 */
class OddWidthEncoderTest {
    /** conv_dim [24,20,20,24,24], conv_kernel [8,4,3,3,2], conv_stride [4,2,2,2,2], hidden 48, 6 heads, pos conv 12/6. */
    static final EncoderConfig ISSUE_CONFIG = new EncoderConfig(new int[] {24, 20, 20, 24, 24}, new int[] {8, 4, 3, 3, 2},
            new int[] {4, 2, 2, 2, 2}, false, "group", 48, 2, 6, 96, 12, 6, 1e-5, false, "hubert");
    private static final int SAMPLES = 5123;

    @Test
    void freshProcessesAgreeBitForBitAndWithThePlainLayoutKernels(@TempDir Path dir) throws Exception {
        Path first = runChild(dir.resolve("auto-1.bin"), Map.of());
        Path second = runChild(dir.resolve("auto-2.bin"), Map.of());
        Path plain = runChild(dir.resolve("sse41.bin"), Map.of("ONEDNN_MAX_CPU_ISA", "SSE41", "PERMERGE_CONV", "libtorch"));
        float[] a = read(first);
        assertTrue(Arrays.equals(a, read(second)), "two fresh processes gave different bits");
        Convolution1dTest.assertClose(toDouble(read(plain)), a, "hidden states against oneDNN's plain-layout path");
    }

    @Test
    void gradientsThroughProtectedConvolutionsMatchFiniteDifferences() {
        Random r = new Random(4);
        float[] audio = HubertEncoderPaddingTest.noise(r, 2 * 3000);
        int[] lengths = {3000, 2200};
        StateDict weights = Initialization.random(ISSUE_CONFIG, 9);
        List<String> checked = List.of("feature_extractor.conv_layers.1.conv.weight", "feature_extractor.conv_layers.3.conv.weight",
                "feature_extractor.conv_layers.4.conv.weight", ParameterLayout.POS_CONV_V);
        try (HubertEncoder enc = HubertEncoder.create(ISSUE_CONFIG, weights); NDManager scope = NDManager.newBaseManager()) {
            int t = enc.framesFor(new int[] {3000})[0];
            boolean[] mask = new boolean[2 * t];
            for (int i = 0; i < mask.length; i += 4) mask[i] = true;
            float[] lossWeights = HubertEncoderPaddingTest.noise(r, 2 * t * ISSUE_CONFIG.hiddenSize());
            // The truncation error of a central difference is visible here at 1e-2 (LayerNorm over 24 channels).
            HubertEncoderTrainTest.assertGradientsMatchFiniteDifferences(enc, scope, r, checked, audio, lengths, mask, lossWeights,
                    t, 3e-3, 2e-2, 3e-3, "issue config");
        }
    }

    /** Runs {@link Child} in a fresh JVM with the given environment additions and returns its output file. */
    private static Path runChild(Path out, Map<String, String> env) throws IOException, InterruptedException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx1g", "-cp", classPath, Child.class.getName(), out.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = out.resolveSibling(out.getFileName() + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("child encoder run did not finish; log: " + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), () -> "child encoder run failed: " + readQuietly(log));
        return out;
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static float[] read(Path file) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(v);
        return v;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    /** The child process: every hidden state of a 2 x 5123-sample batch at the issue's config, as little-endian float32. */
    static final class Child {
        public static void main(String[] args) throws IOException {
            Random r = new Random(12);
            float[] audio = HubertEncoderPaddingTest.noise(r, 2 * SAMPLES);
            try (HubertEncoder enc = HubertEncoder.create(ISSUE_CONFIG, Initialization.random(ISSUE_CONFIG, 7));
                 NDManager scope = NDManager.newBaseManager()) {
                EncoderOutput out = enc.forward(scope, scope.create(audio, new Shape(2, SAMPLES)), new int[] {SAMPLES, 4000}, null);
                List<float[]> parts = new ArrayList<>();
                int n = 0;
                for (NDArray h : out.hiddenStates()) {
                    float[] v = h.toFloatArray();
                    parts.add(v);
                    n += v.length;
                }
                ByteBuffer bb = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (float[] v : parts) for (float f : v) bb.putFloat(f);
                Files.write(Path.of(args[0]), bb.array());
            }
        }
    }
}
