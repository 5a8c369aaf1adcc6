package org.permerge.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;

/**
 * The Spark context one engine run works in, shared by the statistics and the feature engine: the settings
 * checked ({@code master}, {@code partitions}, {@code spark.*}), Spark's logs kept to warnings, a context already
 * running in this JVM reused (and left running) when its master is the one asked for, else one started and stopped
 * again by {@link #close}.
 */
final class EngineContext implements AutoCloseable {
    private final SparkContext sc;
    private final boolean ours;
    private final Map<String, String> settings;

    private EngineContext(SparkContext sc, boolean ours, Map<String, String> settings) {
        this.sc = sc;
        this.ours = ours;
        this.settings = settings;
    }

    /** The context for a run of the engine {@code engine} (named in errors) with these settings. */
    static EngineContext open(String engine, String appName, Map<String, String> settings) {
        for (String key : settings.keySet()) {
            if (!key.equals("master") && !key.equals("partitions") && !key.startsWith("spark.")) {
                throw new IllegalArgumentException("unknown setting '" + key + "' of the Spark " + engine
                        + ": expected master, partitions or spark.*");
            }
        }
        if (settings.containsKey("partitions")) parsePartitions(settings.get("partitions"));
        quietSparkLogs();
        SparkConf conf = new SparkConf().setAppName(appName);
        // A part can be the size of a statistics file (about 1 GB for two HuBERT-Base encoders): Spark's default
        // cap of 1 GB on all results together would fail real jobs. The driver still takes them one by one.
        if (!conf.contains("spark.driver.maxResultSize")) conf.set("spark.driver.maxResultSize", "0");
        settings.forEach((k, v) -> {
            if (k.startsWith("spark.")) conf.set(k, v);
        });
        String master = settings.get("master");
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");

        // getActive is package-private in Scala's eyes only; Java sees the companion object's public method.
        scala.Option<SparkContext> active = org.apache.spark.SparkContext$.MODULE$.getActive();
        boolean ours = active.isEmpty();
        SparkContext sc = ours ? new SparkContext(conf) : active.get();
        if (!ours && master != null && !sc.master().equals(master)) {
            throw new IllegalStateException("a Spark context with master " + sc.master() + " already runs in this JVM;"
                    + " cannot start one with master " + master + " beside it");
        }
        return new EngineContext(sc, ours, settings);
    }

    SparkContext spark() {
        return sc;
    }

    /** The parts to divide work into: the {@code partitions} setting, else the master's parallelism; at most {@code max}. */
    int partitions(int max) {
        int parts = settings.containsKey("partitions") ? parsePartitions(settings.get("partitions"))
                : JavaSparkContext.fromSparkContext(sc).defaultParallelism();
        return Math.max(1, Math.min(parts, max));
    }

    /**
     * Runs {@code task} once per partition {@code 0..parts-1} with {@code progress} listening, and hands each
     * partition's result to {@code handler} as it arrives. Spark calls the handler once per partition, with the
     * result of its successful attempt only: a failed attempt's result never reaches it.
     */
    <T> void run(String description, int parts, scala.Function2<TaskContext, scala.collection.Iterator<Integer>, T> task,
                 Class<T> type, BiConsumer<Integer, T> handler, PartProgress progress) {
        sc.addSparkListener(progress);
        try {
            sc.setJobDescription(description);
            scala.Function2<Object, T, scala.runtime.BoxedUnit> h = (index, part) -> {
                handler.accept((Integer) index, part);
                return scala.runtime.BoxedUnit.UNIT;
            };
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
            sc.runJob(jsc.parallelize(IntStream.range(0, parts).boxed().toList(), parts).rdd(), task, h,
                    scala.reflect.ClassTag$.MODULE$.apply(type));
            try {
                progress.awaitAllDone(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } finally {
            sc.removeSparkListener(progress);
        }
    }

    @Override
    public void close() {
        if (ours) sc.stop();
    }

    /**
     * With the library's slf4j-simple binding Spark would log every step at INFO on the terminal; its loggers are
     * made at first use, so warnings only from here on unless the user set a level (a cluster's log4j2 is untouched).
     */
    static void quietSparkLogs() {
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
}
