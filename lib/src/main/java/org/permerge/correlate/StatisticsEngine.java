package org.permerge.correlate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * A way to run {@link Calibration} somewhere other than this process (Apache Spark, in the {@code spark} module),
 * found at run time with {@link ServiceLoader} so that the core library carries none of its dependencies. An
 * engine splits the clips of a {@link Job} into parts, collects each part's statistics with
 * {@link Calibration#collect}, and adds the parts up with the exact merge; each part is recorded as its own shard
 * of the split, so the sum's provenance passes the same checks as {@code stats --shard} files added by
 * {@code stats-merge}.
 */
public interface StatisticsEngine {
    /** The name {@code stats --engine} selects it by, e.g. {@code spark}. */
    String name();

    /** Collects the job's statistics; the result is what one {@link Calibration#collect} over every clip gives. */
    Calibration.Collected collect(Job job);

    /**
     * Several jobs in a row on one set-up of the engine, e.g. the rounds of adaptive calibration with one Spark
     * context kept between them; closing it releases what it holds.
     */
    interface Session extends AutoCloseable {
        /** Collects one job's statistics, as {@link StatisticsEngine#collect} does. */
        Calibration.Collected collect(Job job);

        @Override
        void close();
    }

    /**
     * Opens a session for jobs with these settings (each job still names its own). By default nothing is held between
     * jobs: each runs as {@link #collect} runs it.
     */
    default Session open(Map<String, String> settings) {
        return new Session() {
            @Override
            public Calibration.Collected collect(Job job) {
                return StatisticsEngine.this.collect(job);
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }

    /**
     * One statistics run, described by paths and references every worker can read (nothing held in memory).
     *
     * @param modelA      model A as {@code stats --a} names it ({@link org.permerge.checkpoint.ModelReference#FORMS})
     * @param modelB      model B
     * @param calibration the calibration manifest
     * @param split       the manifest split to use, null for every clip
     * @param shard       the shard of the split this run covers ({@code 0/1}: all of it); the engine divides it further
     * @param verifyAudio check each clip's sha256 against the manifest
     * @param options     as for {@link Calibration#collect}; its provenance is recorded in every part
     * @param settings    the engine's own settings by name (for Spark: {@code master}, {@code partitions})
     */
    record Job(String modelA, String modelB, Path calibration, String split, StatisticsProvenance.Shard shard,
               boolean verifyAudio, Calibration.Options options, Map<String, String> settings) {
        public Job {
            Objects.requireNonNull(modelA, "modelA");
            Objects.requireNonNull(modelB, "modelB");
            Objects.requireNonNull(calibration, "calibration");
            Objects.requireNonNull(shard, "shard");
            Objects.requireNonNull(options, "options");
            settings = Map.copyOf(settings);
        }
    }

    /**
     * The engine of that name on the class path; refused, naming the engines found and how to build the
     * Spark module, when there is none.
     */
    static StatisticsEngine find(String name) {
        List<String> found = new ArrayList<>();
        for (StatisticsEngine e : ServiceLoader.load(StatisticsEngine.class)) {
            if (e.name().equals(name)) return e;
            found.add(e.name());
        }
        throw new IllegalArgumentException("no statistics engine '" + name + "' on the class path ("
                + (found.isEmpty() ? "none found" : "found: " + String.join(", ", found)) + ")"
                + ("spark".equals(name) ? "; build the Spark module with `mvn -B -DskipTests -pl spark -am package` from the"
                + " project root: ./permerge then adds spark/target/permerge-spark.jar and its dependencies" : ""));
    }
}
