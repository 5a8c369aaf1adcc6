package org.permerge.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.merge.Lambda;
import org.permerge.match.MergeRecipe;
import org.permerge.merge.ModelMerge;
import org.permerge.merge.Repair;
import org.permerge.merge.StatisticsFile;
import org.permerge.model.EncoderConfig;
import org.permerge.permute.RandomWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Benchmark of step 4 at full size: merging two HuBERT-Base-sized checkpoints from a statistics file
 * (the target: peak memory under 2 GB, so it fits a Binder session). The merge runs in a fresh
 * JVM so that its peak resident set (VmHWM: heap, native and mapped file pages together) is its own; the
 * reference is a plain load-and-save of one checkpoint in another fresh JVM, measured in the same run.
 */
@Command(name = "bench-merge", mixinStandardHelpOptions = true,
        description = {"Merge two base-size random checkpoints from a statistics file in a child JVM; report wall time",
                "and peak RSS, against a plain load+save of one checkpoint (I/O floor) measured the same way."})
public final class MergeBenchCommand implements Callable<Integer> {
    @Option(names = "--config", description = "architecture config.json (default: HuBERT Base from the reference fixtures)")
    Path config;

    @Option(names = "--workdir", description = "folder for the generated checkpoints and statistics (default: a temp folder)")
    Path workdir;

    @Option(names = "--recipe", defaultValue = "cnn+all", description = "merge recipe (default ${DEFAULT-VALUE})")
    String recipe;

    @Option(names = "--repair", defaultValue = "closed", description = "REPAIR mode none/closed (default ${DEFAULT-VALUE})")
    String repair;

    @Option(names = "--child-heap", defaultValue = "768m", description = "-Xmx of the child JVMs (default ${DEFAULT-VALUE})")
    String childHeap;

    @Option(names = "--frames", defaultValue = "512", description = "synthetic calibration frames per tap (default ${DEFAULT-VALUE})")
    int frames;

    @Option(names = "--phase", hidden = true, description = "internal: merge | copy (run one measured phase in this JVM)")
    String phase;

    @Override
    public Integer call() throws Exception {
        Path dir = workdir != null ? workdir : Files.createTempDirectory("permerge-bench-merge");
        if (phase != null) return runPhase(dir);
        Files.createDirectories(dir);
        EncoderConfig c = EncoderConfig.read(config != null ? config : EncoderBenchCommand.defaultConfig());
        if (!Files.exists(dir.resolve("stats.safetensors"))) {
            System.out.println("setup: two random " + c + " checkpoints and synthetic statistics in " + dir);
            EncoderCheckpoint.save(dir.resolve("a"), c, RandomWeights.create(c, 1), Preprocessor.DEFAULT, Map.of("bench", "model A"));
            EncoderCheckpoint.save(dir.resolve("b"), c, RandomWeights.create(c, 2), Preprocessor.DEFAULT, Map.of("bench", "model B"));
            syntheticStatistics(c, frames).save(dir.resolve("stats.safetensors"));
        }
        long statsBytes = Files.size(dir.resolve("stats.safetensors"));
        long ckptBytes = Files.size(dir.resolve("a/model.safetensors"));
        Measured copy = child(dir, "copy");
        Measured merge = child(dir, "merge");
        System.out.printf("checkpoint %.0f MB each, statistics file %.0f MB, child -Xmx%s%n", ckptBytes / 1e6, statsBytes / 1e6, childHeap);
        System.out.printf("reference (load A + save): wall %.1f s, peak RSS %.0f MB%n", copy.seconds, copy.peakMb);
        System.out.printf("merge (%s, REPAIR %s):   wall %.1f s, peak RSS %.0f MB%n", recipe, repair, merge.seconds, merge.peakMb);
        System.out.printf("ratio merge/reference: wall %.2fx, peak RSS %.2fx; peak RSS %s the 2 GB target%n",
                merge.seconds / copy.seconds, merge.peakMb / copy.peakMb, merge.peakMb < 2048 ? "under" : "OVER");
        return merge.peakMb < 2048 ? 0 : 2;
    }

    private record Measured(double seconds, double peakMb) {}

    /** Runs one phase in a fresh JVM and reads its own report line. */
    private Measured child(Path dir, String which) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + childHeap, "-cp", System.getProperty("java.class.path"),
                "org.permerge.cli.Main", "bench-merge", "--workdir", dir.toString(), "--phase", which, "--recipe", recipe, "--repair", repair));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String report = null;
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("PHASE ")) report = line;
                else if (System.getenv("PERMERGE_DEBUG") != null) System.out.println("  [" + which + "] " + line);
            }
        }
        if (p.waitFor() != 0 || report == null) throw new IllegalStateException("bench phase '" + which + "' failed (exit " + p.exitValue() + ")");
        String[] f = report.split(" ");
        return new Measured(Double.parseDouble(f[2]), Double.parseDouble(f[3]));
    }

    private int runPhase(Path dir) {
        long t0 = System.nanoTime();
        if (phase.equals("copy")) {
            EncoderCheckpoint a = EncoderCheckpoint.load(dir.resolve("a"));
            a.save(dir.resolve("copy"), Map.of("bench", "copy"));
        } else if (phase.equals("merge")) {
            ModelMerge.Result r = ModelMerge.builder().setModelA(EncoderCheckpoint.load(dir.resolve("a")))
                    .setModelB(EncoderCheckpoint.load(dir.resolve("b"))).setStatistics(StatisticsFile.open(dir.resolve("stats.safetensors")))
                    .setRecipe(MergeRecipe.parse(recipe)).setLambda(Lambda.global(0.9)).optRepair(Repair.Mode.parse(repair), null).build().run();
            r.save(dir.resolve("merged"));
        } else {
            throw new IllegalArgumentException("unknown phase " + phase);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "PHASE %s %.3f %.1f%n", phase, seconds, peakRssMb());
        return 0;
    }

    /** VmHWM of this process in MB (Linux); NaN elsewhere. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Double.NaN;
    }

    /** Statistics of the right shapes from synthetic paired frames (B = a permutation of A's units plus noise). */
    static AlignmentStatistics syntheticStatistics(EncoderConfig c, int frames) {
        AlignmentStatistics s = AlignmentStatistics.builder().setConfigA(c).setConfigB(c).optProvenance("calibration.manifest", "synthetic")
                .optProvenance("calibration.sha256", "none").build();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        try (NDManager m = NDManager.newBaseManager()) {
            for (String tap : s.taps()) {
                try (NDManager scope = m.newSubManager()) {
                    int d = tap.contains("conv_layers") ? c.convDim()[Integer.parseInt(tap.substring(tap.lastIndexOf('.') + 1))]
                            : tap.contains("intermediate") ? c.intermediateSize() : c.hiddenSize();
                    long[] perm = new long[d];
                    for (int i = 0; i < d; i++) perm[i] = i;
                    for (int i = d - 1; i > 0; i--) {
                        int j = rng.nextInt(i + 1);
                        long t = perm[i];
                        perm[i] = perm[j];
                        perm[j] = t;
                    }
                    NDArray a = scope.randomNormal(new Shape(frames, d));
                    NDArray b = a.get(new NDIndex(":, {}", scope.create(perm))).add(scope.randomNormal(new Shape(frames, d)).mul(0.5));
                    s.accept(tap, a, b);
                }
            }
        }
        return s;
    }
}
