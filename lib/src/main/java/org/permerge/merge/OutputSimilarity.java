package org.permerge.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;

/**
 * How close one encoder's last hidden state is to another's on the same clips: the mean cosine
 * similarity over real frames. A quick, task-free view of an interpolation curve (the benchmark notebook
 * scores tasks instead).
 */
public final class OutputSimilarity {

    private OutputSimilarity() {}

    /** The last hidden state of {@code model} on {@code clips}, real frames only, as {@code [N, H]} floats. */
    public static float[][] lastHiddenState(EncoderCheckpoint model, List<float[]> clips) {
        try (HubertEncoder enc = HubertEncoder.create(model.config(), model.weights());
             NDManager scope = NDManager.newBaseManager()) {
            EncoderOutput out = enc.forward(scope, clips, null);
            NDArray h = out.lastHiddenState();
            int hidden = (int) h.getShape().get(2);
            int[] frames = out.frames();
            int t = (int) h.getShape().get(1);
            float[] flat = h.toFloatArray();
            int n = 0;
            for (int f : frames) {
                n += f;
            }
            float[][] rows = new float[n][];
            int r = 0;
            for (int b = 0; b < frames.length; b++) {
                for (int i = 0; i < frames[b]; i++) {
                    rows[r] = new float[hidden];
                    System.arraycopy(flat, (b * t + i) * hidden, rows[r], 0, hidden);
                    r++;
                }
            }
            return rows;
        }
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
