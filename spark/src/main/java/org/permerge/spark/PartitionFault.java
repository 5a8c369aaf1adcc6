package org.permerge.spark;

import java.io.Serializable;

/**
 * A failure to inject into one task attempt after its statistics are collected and before they are returned:
 * how the retry test shows that a failed attempt's clips are not counted. Production runs inject {@link #NONE}.
 */
@FunctionalInterface
interface PartitionFault extends Serializable {
    /** Injects nothing. */
    PartitionFault NONE = (partition, attempt) -> {};

    /** Throws to fail this attempt of the partition's task. */
    void check(int partition, int attempt);
}
