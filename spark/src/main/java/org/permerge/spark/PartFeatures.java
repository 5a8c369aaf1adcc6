package org.permerge.spark;

import java.io.Serializable;

/**
 * One partition's probe features as a value that crosses the wire: its per-clip rows, row-major
 * {@code [clips, layers, dim]}, and where they go in the manifest. Returned from the task rather than added to
 * shared state, so a retried partition replaces its failed attempt instead of adding its rows twice.
 *
 * @param partition   the Spark partition
 * @param firstClip   the manifest position (within the split) of its first row
 * @param clipIds     its clips, in manifest order
 * @param layers      hidden states per clip
 * @param dim         units per hidden state
 * @param values      the pooled features, {@code clipIds.length × layers × dim} values
 * @param wallSeconds its wall time, encoder load included
 */
public record PartFeatures(int partition, int firstClip, String[] clipIds, int layers, int dim, float[] values,
                           double wallSeconds) implements Serializable {
}
