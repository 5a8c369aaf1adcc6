package org.permerge.spark;

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
import java.util.Locale;
import java.util.Map;

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
        try (EngineContext context = EngineContext.open("statistics engine", "permerge stats", job.settings())) {
            int parts = context.partitions(shardClips);
            int[] clipsPerPart = new int[parts];
            for (int p = 0; p < parts; p++) {
                clipsPerPart[p] = PartitionTask.clipsOf(split, PartitionTask.shardOf(job.shard(), parts, p)).size();
            }
            progress.printf("spark: %d clips of %s in %d parts on %s%n", shardClips, manifestFile, parts, context.spark().master());
            PartitionTask task = new PartitionTask(modelA, modelB, manifestFile, manifest.checksum(), job.split(), job.shard(),
                    parts, job.options(), job.verifyAudio(), fault);
            InOrderSum sum = new InOrderSum(parts);
            context.run("permerge stats: " + shardClips + " clips in " + parts + " parts", parts, task, PartStatistics.class,
                    sum::accept, new PartProgress(clipsPerPart, "statistics", progress));
            Calibration.Collected collected = sum.result((System.nanoTime() - t0) / 1e9);
            progress.printf(Locale.ROOT, "spark: time of %d parts (summed over parts): encoders loaded %.2f s, clips collected %.2f s,"
                            + " statistics packed %.2f s (%.0f MB crossed); driver: unpacked and merged %.2f s; whole job %.2f s%n",
                    parts, sum.loadSeconds, sum.collectSeconds, sum.packSeconds, sum.bytes / 1e6, sum.mergeSeconds,
                    collected.summary().wallSeconds());
            return collected;
        }
    }

    /**
     * One Spark context for every job of the session (the rounds of {@code stats --until-stable}), started here unless one
     * already runs in this JVM, and stopped on closing when it was started here.
     */
    @Override
    public Session open(Map<String, String> settings) {
        // the session's context stays up between jobs: each job's EngineContext finds it running and leaves it so
        EngineContext context = EngineContext.open("statistics engine", "permerge stats", settings);
        return new Session() {
            @Override
            public Calibration.Collected collect(Job job) {
                return SparkStatisticsEngine.this.collect(job);
            }

            @Override
            public void close() {
                context.close();
            }
        };
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
        double loadSeconds;
        double collectSeconds;
        double packSeconds;
        double mergeSeconds;
        long bytes;

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
                    long t0 = System.nanoTime();
                    AlignmentStatistics s = p.unpack();
                    if (total == null) total = s;
                    else total.merge(s, "Spark parts 0.." + (next - 1), "Spark part " + next + " (shard " + p.shard() + ")");
                    mergeSeconds += (System.nanoTime() - t0) / 1e9;
                    loadSeconds += p.loadSeconds();
                    collectSeconds += p.wallSeconds();
                    packSeconds += p.packSeconds();
                    bytes += p.statistics().length;
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
