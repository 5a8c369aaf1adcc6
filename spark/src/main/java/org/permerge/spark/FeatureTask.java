package org.permerge.spark;

import org.apache.spark.TaskContext;
import org.permerge.bench.Pooling;
import org.permerge.audio.Manifest;
import org.permerge.bench.FeatureEngine;
import org.permerge.bench.LayerFeatures;
import org.permerge.checkpoint.ModelHash;
import org.permerge.model.EncoderCheckpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * What one Spark partition of a feature job does: reads the manifest where the executor sees it (refused when it
 * is not the file the driver read), takes its run of whole batches of clips, loads the encoder once (refused when
 * its weights are not the ones the driver hashed), and returns the clips' probe features as a {@link PartFeatures}.
 */
final class FeatureTask implements scala.Function2<TaskContext, scala.collection.Iterator<Integer>, PartFeatures>,
        java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final String model;
    private final String modelSha256;
    private final String manifest;
    private final String manifestSha256;
    private final String split;
    private final int[] bounds;
    private final int batchSize;
    private final Pooling pooling;
    private final boolean verifyAudio;
    private final PartitionFault fault;

    /** Partition {@code p} takes the clips {@code bounds[p] .. bounds[p + 1] - 1} of the split. */
    FeatureTask(String model, String modelSha256, Path manifest, String manifestSha256, String split, int[] bounds,
                int batchSize, Pooling pooling, boolean verifyAudio, PartitionFault fault) {
        this.model = model;
        this.modelSha256 = modelSha256;
        this.manifest = manifest.toAbsolutePath().normalize().toString();
        this.manifestSha256 = manifestSha256;
        this.split = split;
        this.bounds = bounds.clone();
        this.batchSize = batchSize;
        this.pooling = pooling;
        this.verifyAudio = verifyAudio;
        this.fault = fault;
    }

    /**
     * Where {@code clips} clips are cut into {@code parts} runs of whole batches of {@code batchSize}, as even as
     * whole batches allow: part {@code p} holds clips {@code bounds[p] .. bounds[p + 1] - 1}. Whole batches keep
     * every clip padded beside the same clips as in one process, so the features come out the same.
     */
    static int[] bounds(int clips, int batchSize, int parts) {
        int batches = (clips + batchSize - 1) / batchSize;
        if (parts < 1 || parts > batches) {
            throw new IllegalArgumentException(parts + " parts of " + batches + " batches: expected 1 to " + batches);
        }
        int[] b = new int[parts + 1];
        for (int p = 0; p <= parts; p++) b[p] = Math.min(clips, (int) ((long) batches * p / parts) * batchSize);
        return b;
    }

    @Override
    public PartFeatures apply(TaskContext task, scala.collection.Iterator<Integer> ignored) {
        long t0 = System.nanoTime();
        int partition = task.partitionId();
        Manifest m = TaskInputs.manifest(manifest, manifestSha256, verifyAudio);
        if (split != null) m = m.split(split);
        List<Manifest.Clip> clips = m.clips().subList(bounds[partition], bounds[partition + 1]);
        TaskInputs.useTaskCores(task);
        EncoderCheckpoint encoder = EncoderCheckpoint.load(model);
        if (modelSha256 != null && !ModelHash.of(encoder.weights()).equals(modelSha256)) {
            throw new IllegalStateException("model " + model + " as this executor reads it has weights sha256 "
                    + ModelHash.of(encoder.weights()) + ", but the driver read " + modelSha256 + ": every executor must see the same model");
        }
        LayerFeatures f = FeatureEngine.extract(encoder, clips, batchSize, "part " + partition, pooling);
        fault.check(partition, task.attemptNumber());
        return new PartFeatures(partition, bounds[partition], f.clipIds(), f.layers(), f.dim(), f.values(),
                (System.nanoTime() - t0) / 1e9);
    }
}
