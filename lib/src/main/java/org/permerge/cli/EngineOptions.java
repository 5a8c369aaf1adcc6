package org.permerge.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where a command's clips run, shared by {@code stats} and {@code features}: this process, or an engine found at run
 * time ({@code spark}), with the Spark master and the number of parts.
 */
final class EngineOptions {
    @Option(names = "--engine", defaultValue = "local",
            description = "where the clips run: local (this process) or spark (the Spark module; the same output, see the README)")
    String engine;

    @Option(names = "--master", description = "with --engine spark: local[N], spark://host:port or yarn"
            + " (default: the one spark-submit set, else local[*])")
    String master;

    @Option(names = "--partitions", defaultValue = "0", description = "with --engine spark: parts the clips are divided into,"
            + " each loading its models once (default: the master's parallelism)")
    int partitions;

    /** Whether the clips run in this process. */
    boolean local() {
        return engine.equals("local");
    }

    /** Refuses Spark settings without {@code --engine spark} and a negative part count. */
    void check() {
        if (local() && (master != null || partitions != 0)) {
            throw new IllegalArgumentException("--master and --partitions need --engine spark");
        }
        if (partitions < 0) throw new IllegalArgumentException("--partitions must be >= 1 (0: the master's parallelism), got " + partitions);
    }

    /** The engine's settings by name ({@code master}, {@code partitions}) as the engines read them. */
    Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (master != null) settings.put("master", master);
        if (partitions > 0) settings.put("partitions", Integer.toString(partitions));
        return settings;
    }
}
