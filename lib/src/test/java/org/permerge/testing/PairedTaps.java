package org.permerge.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.model.EncoderConfig;
import org.permerge.model.HubertEncoder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Test helper: runs two same-rate models over the same clips and feeds their row-aligned real frames to statistics. */
public final class PairedTaps {
    private PairedTaps() {}

    public record Rows(float[] values, int width) {}

    /** Every wanted tap's real frames, [frames × width]. */
    public static Map<String, Rows> record(EncoderConfig c, StateDict w, List<float[]> clips, java.util.function.Predicate<String> wants) {
        Map<String, Rows> out = new LinkedHashMap<>();
        try (HubertEncoder enc = HubertEncoder.create(c, w); NDManager scope = NDManager.newBaseManager()) {
            enc.forward(scope, clips, new org.permerge.model.TapConsumer() {
                @Override
                public void accept(String tap, NDArray activation, NDArray mask) {
                    float[] v = activation.toFloatArray();
                    boolean[] m = mask.toBooleanArray();
                    int d = (int) activation.getShape().get(2);
                    int real = 0;
                    for (boolean b : m) if (b) real++;
                    float[] rows = new float[real * d];
                    int k = 0;
                    for (int f = 0; f < m.length; f++) if (m[f]) System.arraycopy(v, f * d, rows, d * k++, d);
                    out.put(tap, new Rows(rows, d));
                }

                @Override
                public boolean wants(String tap) {
                    return wants.test(tap);
                }
            });
        }
        return out;
    }

    /** Feeds both models' frames of every tap the statistics want. */
    public static void feed(AlignmentStatistics stats, EncoderConfig c, StateDict a, StateDict b, List<float[]> clips) {
        Map<String, Rows> ra = record(c, a, clips, stats::wants);
        Map<String, Rows> rb = record(c, b, clips, stats::wants);
        try (NDManager m = NDManager.newBaseManager()) {
            for (String tap : ra.keySet()) {
                Rows x = ra.get(tap), y = rb.get(tap);
                int n = x.values().length / x.width();
                stats.accept(tap, m.create(x.values(), new Shape(n, x.width())), m.create(y.values(), new Shape(n, y.width())));
            }
        }
    }

    /** Gaussian noise clips. */
    public static List<float[]> noise(int clips, int samples, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < clips; i++) {
            float[] x = new float[samples];
            for (int j = 0; j < samples; j++) x[j] = (float) r.nextGaussian();
            out.add(x);
        }
        return out;
    }
}
