package org.permerge.spark;

import org.permerge.audio.Manifest;
import org.permerge.bench.FeatureEngine;
import org.permerge.bench.LayerFeatures;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code features --engine spark}: a manifest's clips cut into Spark partitions of whole batches, each running
 * {@link FeatureEngine#extract} with the encoder loaded once and returning its per-clip rows; the driver puts the
 * rows back in manifest order. Settings as for {@link SparkStatisticsEngine}: {@code master}, {@code partitions}
 * (default the master's parallelism, at most one per batch), {@code spark.*}.
 */
public final class SparkFeatureEngine implements FeatureEngine {
    private final PrintStream progress;

    /** The engine {@link java.util.ServiceLoader} finds; progress goes to standard error. */
    public SparkFeatureEngine() {
        this(System.err);
    }

    SparkFeatureEngine(PrintStream progress) {
        this.progress = progress;
    }

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public LayerFeatures compute(Job job) {
        return compute(job, PartitionFault.NONE);
    }

    LayerFeatures compute(Job job, PartitionFault fault) {
        Path manifestFile = job.manifest().toAbsolutePath().normalize();
        Manifest manifest = Manifest.read(manifestFile);
        Manifest split = job.split() == null ? manifest : manifest.split(job.split());
        List<String> ids = split.clips().stream().map(Manifest.Clip::id).toList();
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("no clips to extract features from in " + manifestFile
                    + (job.split() != null ? " (split " + job.split() + ")" : ""));
        }
        String model = SparkStatisticsEngine.visibleToExecutors(job.model(), "--model");
        try (EngineContext context = EngineContext.open("feature engine", "permerge features", job.settings())) {
            int parts = context.partitions((ids.size() + job.batchSize() - 1) / job.batchSize());
            int[] bounds = FeatureTask.bounds(ids.size(), job.batchSize(), parts);
            int[] clipsPerPart = new int[parts];
            for (int p = 0; p < parts; p++) clipsPerPart[p] = bounds[p + 1] - bounds[p];
            progress.printf("spark: features of %d clips of %s in %d parts on %s%n", ids.size(), manifestFile, parts,
                    context.spark().master());
            FeatureTask task = new FeatureTask(model, job.modelSha256(), manifestFile, manifest.checksum(), job.split(), bounds,
                    job.batchSize(), job.pooling(), job.verifyAudio(), fault);
            Rows rows = new Rows(ids, bounds);
            context.run("permerge features: " + ids.size() + " clips in " + parts + " parts", parts, task, PartFeatures.class,
                    rows::accept, new PartProgress(clipsPerPart, "features", progress));
            return rows.result();
        }
    }

    /**
     * The per-clip rows put in manifest order as parts arrive. Each partition is taken once (Spark hands over
     * only a successful attempt's result) and must hold exactly the clips its bounds name, in order.
     */
    private static final class Rows {
        private final List<String> ids;
        private final int[] bounds;
        private final boolean[] filled;
        private float[] values;
        private int layers;
        private int dim;
        private RuntimeException failure;

        Rows(List<String> ids, int[] bounds) {
            this.ids = ids;
            this.bounds = bounds;
            this.filled = new boolean[bounds.length - 1];
        }

        synchronized void accept(int index, PartFeatures part) {
            if (failure != null) return;
            try {
                if (part.partition() != index || filled[index]) {
                    throw new IllegalStateException("Spark returned part " + part.partition() + " as the result of partition " + index
                            + (filled[index] ? " a second time" : ""));
                }
                List<String> expected = ids.subList(bounds[index], bounds[index + 1]);
                if (part.firstClip() != bounds[index] || !expected.equals(Arrays.asList(part.clipIds()))) {
                    throw new IllegalStateException("part " + index + " holds clips " + Arrays.asList(part.clipIds()) + " from position "
                            + part.firstClip() + ", expected " + expected + " from position " + bounds[index]);
                }
                if (values == null) {
                    layers = part.layers();
                    dim = part.dim();
                    values = new float[Math.multiplyExact(Math.multiplyExact(ids.size(), layers), dim)];
                } else if (part.layers() != layers || part.dim() != dim) {
                    throw new IllegalStateException("part " + index + " has " + part.layers() + " layers of " + part.dim()
                            + " units, the parts before it " + layers + " of " + dim);
                }
                int row = layers * dim;
                if (part.values().length != expected.size() * row) {
                    throw new IllegalStateException("part " + index + " has " + part.values().length + " values, expected "
                            + expected.size() + " clips × " + layers + " × " + dim);
                }
                System.arraycopy(part.values(), 0, values, bounds[index] * row, part.values().length);
                filled[index] = true;
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        synchronized LayerFeatures result() {
            if (failure != null) throw failure;
            for (int p = 0; p < filled.length; p++) {
                if (!filled[p]) throw new IllegalStateException("Spark returned no features for part " + p + " of " + filled.length);
            }
            return new LayerFeatures(ids.toArray(new String[0]), layers, dim, values);
        }
    }
}
