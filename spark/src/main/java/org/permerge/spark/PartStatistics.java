package org.permerge.spark;

import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.extract.ExtractionSummary;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One partition's statistics as a value that crosses the wire: the statistics file's bytes (the one format, so
 * nothing is lost on the way) and what the extraction saw. Returned from the task rather than added to shared
 * state, so a retried partition replaces its failed attempt instead of counting twice.
 *
 * @param partition    the Spark partition
 * @param shardIndex   the shard of the split it measured: clips shardIndex, shardIndex + shardCount, ...
 * @param shardCount   the shard's stride
 * @param statistics   the statistics, as {@link AlignmentStatistics#save} writes them
 * @param clips        clips it saw
 * @param frames       frames of model A
 * @param audioSeconds seconds of audio
 * @param wallSeconds  its extraction's wall time (both encoders over its clips, statistics accumulated)
 * @param loadSeconds  the time it took to load the two encoders
 * @param packSeconds  the time it took to pack the statistics into {@code statistics}
 */
public record PartStatistics(int partition, int shardIndex, int shardCount, byte[] statistics, int clips, long frames,
                             double audioSeconds, double wallSeconds, double loadSeconds, double packSeconds) implements Serializable {
    /** Packs statistics through a temporary file (removed again). */
    static PartStatistics of(int partition, StatisticsProvenance.Shard shard, AlignmentStatistics stats, ExtractionSummary summary,
                             double loadSeconds) {
        long t0 = System.nanoTime();
        try {
            Path tmp = Files.createTempFile("permerge-part-" + partition + "-", ".safetensors");
            try {
                stats.save(tmp);
                byte[] bytes = Files.readAllBytes(tmp);
                return new PartStatistics(partition, shard.index(), shard.count(), bytes, summary.clips(),
                        summary.frames(), summary.audioSeconds(), summary.wallSeconds(), loadSeconds, (System.nanoTime() - t0) / 1e9);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack the statistics of partition " + partition + ": " + e.getMessage(), e);
        }
    }

    /** The shard of the split it measured. */
    StatisticsProvenance.Shard shard() {
        return new StatisticsProvenance.Shard(shardIndex, shardCount);
    }

    /** The statistics back. */
    AlignmentStatistics unpack() {
        try {
            Path tmp = Files.createTempFile("permerge-part-" + partition + "-", ".safetensors");
            try {
                Files.write(tmp, statistics);
                return AlignmentStatistics.load(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the statistics of partition " + partition + ": " + e.getMessage(), e);
        }
    }
}
