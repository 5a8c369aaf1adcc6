package org.permerge.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.permerge.audio.Manifest;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.StatisticsEngine;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.model.EncoderCheckpoint;

import org.permerge.study.StudyConfig;
import org.permerge.study.StudyInputs;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The Spark overhead on one machine: {@code stats} over the same clips in this process (torch on {@code cores}
 * threads) and on Spark {@code local[cores]} (one thread per task), alternating, {@code runs} times each; prints
 * the median wall times and their ratio, and for each Spark run where its time went (encoder loads, clips, packing
 * the statistics, the driver's unpack and merge). The Spark session starts once before the runs (its start-up is not
 * counted); each run, single-process or Spark, loads the two encoders itself.
 *
 * <p>{@code java -cp … org.permerge.spark.SparkThroughput <model A> <model B> <manifest|preset> [runs=3] [cores=2]}: a
 * preset name ({@code mini}) instead of a manifest times the calibration draw that preset's study uses
 * ({@link StudyInputs#calibration()}: {@code clips_per_domain} of each corpus, seeded as {@code reproduce} draws
 * them), from the project folder {@code PERMERGE_HOME} (default: the working folder).
 */
public final class SparkThroughput {
    private SparkThroughput() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: SparkThroughput <model A> <model B> <calibration manifest | preset name> [runs=3] [cores=2]");
            System.exit(2);
        }
        String a = args[0];
        String b = args[1];
        Path manifest = manifestOrPreset(args[2]);
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int cores = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        ai.djl.engine.Engine.getEngine("PyTorch");
        Manifest clips = Manifest.read(manifest);
        SparkContext sc = new SparkContext(new SparkConf().setAppName("permerge throughput").setMaster("local[" + cores + "]")
                .set("spark.ui.enabled", "false"));
        try {
            // Of the engine's progress, only its closing line (where a run's time went) is shown.
            StatisticsEngine engine = new SparkStatisticsEngine(new PrintStream(new OutputStream() {
                private final StringBuilder line = new StringBuilder();

                @Override
                public void write(int b) {
                    if (b != '\n') {
                        line.append((char) b);
                        return;
                    }
                    if (line.indexOf("spark: time") == 0) System.out.println("  " + line);
                    line.setLength(0);
                }
            }, true));
            StatisticsEngine.Job job = new StatisticsEngine.Job(a, b, manifest, null, new StatisticsProvenance.Shard(0, 1), true,
                    Calibration.Options.defaults(), Map.of("partitions", Integer.toString(cores)));
            double[] single = new double[runs];
            double[] spark = new double[runs];
            for (int r = 0; r < runs; r++) {
                ai.djl.pytorch.jni.JniUtils.setNumThreads(cores);
                long t0 = System.nanoTime();
                Calibration.collect(EncoderCheckpoint.load(a), EncoderCheckpoint.load(b), clips, Calibration.Options.defaults());
                single[r] = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                engine.collect(job);
                spark[r] = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "run %d: single process %.2f s, spark local[%d] %.2f s%n", r + 1, single[r], cores, spark[r]);
            }
            double s = median(single);
            double k = median(spark);
            System.out.printf(Locale.ROOT, "%d clips: median single process %.2f s, spark local[%d] %.2f s, ratio spark/single %.2f%n",
                    clips.size(), s, cores, k, k / s);
        } finally {
            sc.stop();
        }
    }

    /** The manifest file, or a preset's calibration draw written to a temporary manifest (removed at exit). */
    private static Path manifestOrPreset(String arg) {
        Path file = Path.of(arg);
        if (Files.isRegularFile(file) || !StudyConfig.presets().contains(arg)) return file;
        String home = System.getenv("PERMERGE_HOME");
        Path project = Path.of(home != null ? home : ".").toAbsolutePath().normalize();
        try {
            Path tmp = Files.createTempFile("permerge-" + arg + "-calibration-", ".jsonl");
            tmp.toFile().deleteOnExit();
            StudyInputs.prepare(StudyConfig.load(arg), project).writeCalibration(tmp);
            System.out.println("preset " + arg + ": calibration draw of " + Manifest.read(tmp).size() + " clips");
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the calibration draw of preset " + arg + ": " + e.getMessage(), e);
        }
    }

    private static double median(double[] x) {
        double[] y = x.clone();
        Arrays.sort(y);
        return y.length % 2 == 1 ? y[y.length / 2] : (y[y.length / 2 - 1] + y[y.length / 2]) / 2;
    }
}
