package org.permerge.bench;

import java.util.Objects;

/**
 * One probing task: its name, which domain average it counts towards, its metric, and which manifest label
 * holds the class of each clip.
 *
 * @param name     task name used in tables (e.g. {@code word}, {@code instrument})
 * @param domain   speech or music
 * @param metric   how the test predictions are scored
 * @param labelKey key of the clip label in the manifest's {@code labels} object
 */
public record TaskSpec(String name, Domain domain, Metric metric, String labelKey) {
    public TaskSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(labelKey, "labelKey");
        if (name.isBlank()) throw new IllegalArgumentException("task name is blank");
    }

    /** A single-label classification task scored by accuracy. */
    public static TaskSpec classification(String name, Domain domain, String labelKey) {
        return new TaskSpec(name, domain, Metric.ACCURACY, labelKey);
    }
}
