package org.permerge.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.permerge.io.AtomicFiles;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;

/**
 * Per-clip pooled features of one frozen model: {@code [clips, layers, dim]} float32, one row per clip, one
 * "layer" per hidden state (or a single layer for the log-mel baseline). This is what a probe trains on.
 */
public final class LayerFeatures {
    private final String[] clipIds;
    private final int layers;
    private final int dim;
    private final float[] data;

    /** Wraps row-major {@code [clips, layers, dim]} values (copied); every value must be finite. */
    public LayerFeatures(String[] clipIds, int layers, int dim, float[] data) {
        Objects.requireNonNull(clipIds, "clipIds");
        Objects.requireNonNull(data, "data");
        if (layers <= 0 || dim <= 0) throw new IllegalArgumentException("layers and dim must be positive: " + layers + ", " + dim);
        if ((long) clipIds.length * layers * dim != data.length) {
            throw new IllegalArgumentException("features: " + data.length + " values, expected clips×layers×dim = "
                    + clipIds.length + "×" + layers + "×" + dim);
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                int per = layers * dim;
                throw new IllegalArgumentException("features of clip " + clipIds[i / per] + ", layer " + (i % per) / dim
                        + ", unit " + i % dim + " is " + data[i] + " (expected finite values)");
            }
        }
        this.clipIds = clipIds.clone();
        this.layers = layers;
        this.dim = dim;
        this.data = data.clone();
    }

    public int clips() {
        return clipIds.length;
    }

    public int layers() {
        return layers;
    }

    public int dim() {
        return dim;
    }

    public String clipId(int i) {
        return clipIds[i];
    }

    public String[] clipIds() {
        return clipIds.clone();
    }

    /** Copy of all values, row-major {@code [clips, layers, dim]}. */
    public float[] values() {
        return data.clone();
    }

    /** One value. */
    public float get(int clip, int layer, int unit) {
        return data[(clip * layers + layer) * dim + unit];
    }

    /** The rows at the given clip indices, in that order. */
    public LayerFeatures select(int[] rows) {
        int per = layers * dim;
        float[] out = new float[rows.length * per];
        String[] ids = new String[rows.length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(data, rows[r] * per, out, r * per, per);
            ids[r] = clipIds[rows[r]];
        }
        return new LayerFeatures(ids, layers, dim, out);
    }

    /** Row index of every clip id. */
    public Map<String, Integer> index() {
        Map<String, Integer> idx = new LinkedHashMap<>();
        for (int i = 0; i < clipIds.length; i++) {
            if (idx.put(clipIds[i], i) != null) throw new IllegalStateException("duplicate clip id " + clipIds[i]);
        }
        return idx;
    }

    /** Saves as safetensors ({@code features} [clips, layers, dim]; clip ids in the metadata), atomically. */
    public void save(Path file, Map<String, String> provenance) {
        StateDict sd = new StateDict();
        sd.put("features", Tensor.ofFloats(new long[] {clipIds.length, layers, dim}, data));
        sd.metadata().putAll(provenance);
        sd.metadata().put("clip_ids", String.join("\n", clipIds));
        SafeTensors.write(file, sd);
    }

    /** Reads what {@link #save} wrote; a file without features or ids is a {@link CheckpointFormatException}. */
    public static LayerFeatures load(Path file) {
        StateDict sd = SafeTensors.read(file);
        if (!sd.contains("features")) throw new CheckpointFormatException(file + ": no 'features' tensor");
        String ids = sd.metadata().get("clip_ids");
        if (ids == null) throw new CheckpointFormatException(file + ": no 'clip_ids' in the metadata");
        Tensor t = sd.get("features");
        if (t.rank() != 3) throw new CheckpointFormatException(file + ": features has shape " + Arrays.toString(t.shape())
                + ", expected [clips, layers, dim]");
        String[] clipIds = ids.isEmpty() ? new String[0] : ids.split("\n", -1);
        if (clipIds.length != t.dim(0)) {
            throw new CheckpointFormatException(file + ": " + clipIds.length + " clip ids for " + t.dim(0) + " rows");
        }
        return new LayerFeatures(clipIds, (int) t.dim(1), (int) t.dim(2), t.toFloatArray());
    }
}
