package org.permerge.spark;

import org.apache.spark.TaskContext;
import org.permerge.audio.Manifest;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.model.EncoderCheckpoint;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one Spark partition does: reads the calibration manifest where the executor sees it (refused when it is
 * not the file the driver read), takes its clips — every {@code parts}-th clip of the job's shard, itself a shard
 * of the split — loads both encoders once, and returns its statistics as a {@link PartStatistics}.
 */
final class PartitionTask implements scala.Function2<TaskContext, scala.collection.Iterator<Integer>, PartStatistics>,
        java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final String modelA;
    private final String modelB;
    private final String manifest;
    private final String manifestSha256;
    private final String split;
    private final int shardIndex;
    private final int shardCount;
    private final int parts;
    private final String preActivation;
    private final double maxBatchSeconds;
    private final boolean verifyAudio;
    private final HashMap<String, String> provenance;
    private final PartitionFault fault;

    PartitionTask(String modelA, String modelB, Path manifest, String manifestSha256, String split,
                  StatisticsProvenance.Shard shard, int parts, Calibration.Options options, boolean verifyAudio,
                  PartitionFault fault) {
        this.modelA = modelA;
        this.modelB = modelB;
        this.manifest = manifest.toAbsolutePath().normalize().toString();
        this.manifestSha256 = manifestSha256;
        this.split = split;
        this.shardIndex = shard.index();
        this.shardCount = shard.count();
        this.parts = parts;
        this.preActivation = options.preActivation().name();
        this.maxBatchSeconds = options.maxBatchSeconds();
        this.verifyAudio = verifyAudio;
        this.provenance = new HashMap<>(options.provenance());
        this.fault = fault;
    }

    /** The shard of the split that partition {@code p} measures: shard i/n divided {@code parts} ways. */
    static StatisticsProvenance.Shard shardOf(StatisticsProvenance.Shard job, int parts, int p) {
        return new StatisticsProvenance.Shard(job.index() + job.count() * p, job.count() * parts);
    }

    /** The clips of the split that shard {@code s} holds. */
    static Manifest clipsOf(Manifest split, StatisticsProvenance.Shard s) {
        List<Manifest.Clip> clips = split.clips();
        Set<String> keep = new HashSet<>();
        for (int k = s.index(); k < clips.size(); k += s.count()) keep.add(clips.get(k).id());
        return split.filter(c -> keep.contains(c.id()));
    }

    @Override
    public PartStatistics apply(TaskContext task, scala.collection.Iterator<Integer> ignored) {
        int partition = task.partitionId();
        Manifest m = TaskInputs.manifest(manifest, manifestSha256, verifyAudio);
        if (split != null) m = m.split(split);
        StatisticsProvenance.Shard shard = shardOf(new StatisticsProvenance.Shard(shardIndex, shardCount), parts, partition);
        Manifest clips = clipsOf(m, shard);
        TaskInputs.useTaskCores(task);
        Calibration.Options options = Calibration.Options.defaults()
                .withPreActivation(AlignmentStatistics.PreActivation.valueOf(preActivation)).withMaxBatchSeconds(maxBatchSeconds);
        for (Map.Entry<String, String> e : provenance.entrySet()) options = options.withProvenance(e.getKey(), e.getValue());
        options = options.withProvenance("calibration.shards", shard.toString());
        long t0 = System.nanoTime();
        EncoderCheckpoint a = EncoderCheckpoint.load(modelA);
        EncoderCheckpoint b = EncoderCheckpoint.load(modelB);
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        Calibration.Collected collected = Calibration.collect(a, b, clips, options);
        fault.check(partition, task.attemptNumber());
        return PartStatistics.of(partition, shard, collected.statistics(), collected.summary(), loadSeconds);
    }
}
