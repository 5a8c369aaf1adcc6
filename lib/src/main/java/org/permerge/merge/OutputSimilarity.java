package org.permerge.merge;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.permerge.extract.ClipPreparation;
import org.permerge.extract.ClipSource;
import org.permerge.extract.ForwardLoop;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.HubertEncoder;

/**
 * How close one encoder's last hidden state is to another's on the same clips: the mean cosine
 * similarity over real frames. A quick, task-free view of an interpolation curve (the benchmark notebook
 * scores tasks instead).
 */
public final class OutputSimilarity {

    private OutputSimilarity() {}

    /**
     * The last hidden state of {@code model} on {@code clips} (samples as the model expects them), real frames only,
     * as {@code [N, H]} floats: one forward pass over all clips ({@link ForwardLoop}).
     */
    public static float[][] lastHiddenState(EncoderCheckpoint model, List<float[]> clips) {
        List<float[][]> rows = new ArrayList<>();
        try (HubertEncoder enc = HubertEncoder.create(model.config(), model.weights())) {
            ForwardLoop.builder().addModel(enc, ClipPreparation.asGiven()).build()
                    .run(ClipSource.ofPrepared(clips), (batch, m, out) -> {
                        NDArray h = ForwardLoop.realFrames(out.lastHiddenState(), out.frameMask());   // [N, H]
                        int hidden = (int) h.getShape().get(1);
                        float[] flat = h.toFloatArray();
                        float[][] r = new float[flat.length / hidden][];
                        for (int i = 0; i < r.length; i++) r[i] = java.util.Arrays.copyOfRange(flat, i * hidden, (i + 1) * hidden);
                        rows.add(r);
                    });
        }
        return rows.isEmpty() ? new float[0][] : rows.get(0);
    }

    /** Mean over frames of the cosine similarity between rows of {@code x} and {@code y}. */
    public static double meanCosine(float[][] x, float[][] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("frame counts differ: " + x.length + " vs " + y.length);
        }
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double dot = 0;
            double nx = 0;
            double ny = 0;
            for (int k = 0; k < x[i].length; k++) {
                dot += (double) x[i][k] * y[i][k];
                nx += (double) x[i][k] * x[i][k];
                ny += (double) y[i][k] * y[i][k];
            }
            sum += nx == 0 || ny == 0 ? 0 : dot / Math.sqrt(nx * ny);
        }
        return sum / x.length;
    }
}
