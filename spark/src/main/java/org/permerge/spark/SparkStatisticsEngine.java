package org.permerge.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.permerge.audio.Manifest;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.StatisticsEngine;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.extract.ExtractionSummary;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * {@code stats --engine spark}: the clips of a statistics job divided into Spark partitions, each collected by
 * {@link Calibration#collect} with both encoders loaded once, returned as values and added up on the driver in
 * partition order with the exact merge. Partition {@code p} of {@code P} measures shard {@code i + n·p} of
 * {@code n·P} of the split (for a job on shard {@code i/n}), so the sum records its shards like {@code stats-merge}
 * does and can itself be added to other runs' shards.
 *
 * <p>Settings: {@code master} ({@code local[N]}, {@code spark://…}, {@code yarn}; default the master spark-submit set,
 * else {@code local[*]}), {@code partitions} (default the master's parallelism, at most one per clip), and any
 * {@code spark.*} key, passed to the Spark configuration. A Spark context already running in this JVM is used
 * (and left running) when its master is the one asked for.
 */
public final class SparkStatisticsEngine implements StatisticsEngine {
    private final PrintStream progress;

    /** The engine {@link java.util.ServiceLoader} finds; progress goes to standard error. */
    public SparkStatisticsEngine() {
        this(System.err);
    }

    SparkStatisticsEngine(PrintStream progress) {
        this.progress = progress;
    }

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public Calibration.Collected collect(Job job) {
        return collect(job, PartitionFault.NONE);
    }

    Calibration.Collected collect(Job job, PartitionFault fault) {
        long t0 = System.nanoTime();
        Path manifestFile = job.calibration().toAbsolutePath().normalize();
        Manifest manifest = Manifest.read(manifestFile);
        Manifest split = job.split() == null ? manifest : manifest.split(job.split());
        int shardClips = PartitionTask.clipsOf(split, job.shard()).size();
        if (shardClips == 0) {
            throw new IllegalArgumentException("no clips to process in " + manifestFile
                    + (job.split() != null ? " (split " + job.split() + ")" : "") + " for shard " + job.shard());
        }
        String modelA = visibleToExecutors(job.modelA(), "--a");
        String modelB = visibleToExecutors(job.modelB(), "--b");
        Map<String, String> settings = job.settings();
        SparkConf conf = configuration(settings);
        String master = settings.get("master");
        scala.Option<SparkContext> active = activeContext();
        boolean ours = active.isEmpty();
        SparkContext sc = ours ? new SparkContext(conf) : active.get();
        if (!ours && master != null && !sc.master().equals(master)) {
            throw new IllegalStateException("a Spark context with master " + sc.master() + " already runs in this JVM;"
                    + " cannot start one with master " + master + " beside it");
        }
        PartProgress listener = null;
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
            int parts = settings.containsKey("partitions") ? parsePartitions(settings.get("partitions")) : jsc.defaultParallelism();
            parts = Math.min(parts, shardClips);
            int[] clipsPerPart = new int[parts];
            for (int p = 0; p < parts; p++) {
                clipsPerPart[p] = PartitionTask.clipsOf(split, PartitionTask.shardOf(job.shard(), parts, p)).size();
            }
            progress.printf("spark: %d clips of %s in %d parts on %s%n", shardClips, manifestFile, parts, sc.master());
            listener = new PartProgress(clipsPerPart, progress);
            sc.addSparkListener(listener);
            PartitionTask task = new PartitionTask(modelA, modelB, manifestFile, manifest.checksum(), job.split(), job.shard(),
                    parts, job.options(), job.verifyAudio(), fault);
            sc.setJobDescription("permerge stats: " + shardClips + " clips in " + parts + " parts");
            InOrderSum sum = new InOrderSum(parts);
            scala.Function2<Object, PartStatistics, scala.runtime.BoxedUnit> handler = (index, part) -> {
                sum.accept((Integer) index, part);
                return scala.runtime.BoxedUnit.UNIT;
            };
            sc.runJob(jsc.parallelize(IntStream.range(0, parts).boxed().toList(), parts).rdd(), task, handler,
                    scala.reflect.ClassTag$.MODULE$.apply(PartStatistics.class));
            Calibration.Collected collected = sum.result((System.nanoTime() - t0) / 1e9);
            try {
                listener.awaitAllDone(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return collected;
        } finally {
            if (listener != null) sc.removeSparkListener(listener);
            if (ours) sc.stop();
        }
    }

    /**
     * One Spark context for every job of the session (the rounds of {@code stats --until-stable}), started here unless one
     * already runs in this JVM, and stopped on closing when it was started here.
     */
    @Override
    public Session open(Map<String, String> settings) {
        SparkConf conf = configuration(settings);
        boolean ours = activeContext().isEmpty();
        SparkContext sc = ours ? new SparkContext(conf) : activeContext().get();
        return new Session() {
            @Override
            public Calibration.Collected collect(Job job) {
                return SparkStatisticsEngine.this.collect(job);
            }

            @Override
            public void close() {
                if (ours) sc.stop();
            }
        };
    }

    /** The Spark configuration of the engine's settings, refusing a setting it does not know. */
    private static SparkConf configuration(Map<String, String> settings) {
        for (String key : settings.keySet()) {
            if (!key.equals("master") && !key.equals("partitions") && !key.startsWith("spark.")) {
                throw new IllegalArgumentException("unknown setting '" + key + "' of the Spark engine: expected master, partitions or spark.*");
            }
        }
        quietSparkLogs();
        SparkConf conf = new SparkConf().setAppName("permerge stats");
        // A part is the size of a statistics file (about 1 GB for two HuBERT-Base encoders): Spark's default cap
        // of 1 GB on all results together would fail real jobs. The driver still merges them one by one.
        if (!conf.contains("spark.driver.maxResultSize")) conf.set("spark.driver.maxResultSize", "0");
        settings.forEach((k, v) -> {
            if (k.startsWith("spark.")) conf.set(k, v);
        });
        String master = settings.get("master");
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        return conf;
    }

    /** The Spark context running in this JVM, if any. */
    private static scala.Option<SparkContext> activeContext() {
        // getActive is package-private in Scala's eyes only; Java sees the companion object's public method.
        return org.apache.spark.SparkContext$.MODULE$.getActive();
    }

    /**
     * The parts added up in partition order (so a rerun gives the same bits) with the exact merge, each as soon as
     * the parts before it are in: the driver holds only the parts that finished early, not all of them. Spark
     * calls {@link #accept} once per partition, with the result of its successful attempt only.
     */
    private static final class InOrderSum {
        private final PartStatistics[] waiting;
        private AlignmentStatistics total;
        private int next;
        private int clips;
        private long frames;
        private double seconds;
        private RuntimeException failure;

        InOrderSum(int parts) {
            this.waiting = new PartStatistics[parts];
        }

        synchronized void accept(int index, PartStatistics part) {
            if (failure != null) return;
            try {
                if (part.partition() != index || waiting[index] != null || index < next) {
                    throw new IllegalStateException("Spark returned part " + part.partition() + " as the result of partition " + index
                            + (index < next || waiting[index] != null ? " a second time" : ""));
                }
                waiting[index] = part;
                while (next < waiting.length && waiting[next] != null) {
                    PartStatistics p = waiting[next];
                    waiting[next] = null;
                    AlignmentStatistics s = p.unpack();
                    if (total == null) total = s;
                    else total.merge(s, "Spark parts 0.." + (next - 1), "Spark part " + next + " (shard " + p.shard() + ")");
                    clips += p.clips();
                    frames += p.frames();
                    seconds += p.audioSeconds();
                    next++;
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        synchronized Calibration.Collected result(double wallSeconds) {
            if (failure != null) throw failure;
            if (next != waiting.length) {
                throw new IllegalStateException("Spark returned " + next + " of " + waiting.length + " parts of statistics");
            }
            return new Calibration.Collected(total, new ExtractionSummary(clips, frames, seconds, wallSeconds));
        }
    }

    /**
     * With the library's slf4j-simple binding Spark would log every step at INFO on the terminal; its loggers are
     * made at first use, so warnings only from here on unless the user set a level (a cluster's log4j2 is untouched).
     */
    private static void quietSparkLogs() {
        for (String logger : List.of("org.apache.spark", "org.sparkproject", "org.apache.hadoop", "io.netty")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) System.setProperty(key, "warn");
        }
    }

    private static int parsePartitions(String s) {
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("partitions must be a whole number >= 1, got '" + s + "'");
    }

    /**
     * A model reference as executors must see it: an existing local path made absolute (their working folder may
     * differ), a hub id as it is (each executor resolves it in its own cache). Other file systems' URIs are
     * refused: encoders are read through local paths, so HDFS or S3 must be mounted where every executor sees them.
     */
    static String visibleToExecutors(String reference, String option) {
        int colon = reference.indexOf("://");
        if (colon > 0 && !reference.startsWith("file://")) {
            throw new IllegalArgumentException(option + " " + reference + ": the Spark engine reads models through local paths"
                    + " (file://); mount " + reference.substring(0, colon) + " storage at the same path on every executor");
        }
        String path = reference.startsWith("file://") ? Path.of(URI.create(reference)).toString() : reference;
        try {
            Path p = Path.of(path);
            if (Files.exists(p)) return p.toAbsolutePath().normalize().toString();
        } catch (InvalidPathException ignored) {
            // not a path here: a hub id
        }
        return path;
    }
}
