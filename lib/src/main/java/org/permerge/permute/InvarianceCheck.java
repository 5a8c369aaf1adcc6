package org.permerge.permute;

import org.permerge.checkpoint.StateDict;
import org.permerge.extract.ClipPreparation;
import org.permerge.extract.ClipSource;
import org.permerge.extract.ForwardLoop;
import org.permerge.model.EncoderConfig;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The invariant the authors' code breaks (METHOD.md, defect 1): a permuted model computes what the original
 * computes. Runs both models on the same audio and compares every tap — taps outside the permuted spaces
 * must be equal, taps inside one equal after gathering the original's by that space's effective permutation —
 * relative to each tap's largest magnitude.
 */
public final class InvarianceCheck {
    /** The float32-rounding tolerance of the invariant (METHOD.md). */
    public static final double TOLERANCE = 1e-4;

    /** How far one tap of the permuted model is from the permuted original. */
    public record TapDifference(String tap, String space, double maxAbsDifference, double maxMagnitude) {
        /** Largest absolute difference over the tap's largest magnitude. */
        public double relative() {
            return maxMagnitude == 0 ? maxAbsDifference : maxAbsDifference / maxMagnitude;
        }
    }

    /** Every tap's difference. */
    public record Report(List<TapDifference> taps) {
        public Report {
            taps = List.copyOf(taps);
        }

        /** The tap with the largest relative difference. */
        public TapDifference worst() {
            TapDifference w = null;
            for (TapDifference t : taps) if (w == null || t.relative() > w.relative()) w = t;
            return w;
        }

        /** Whether every tap is within the tolerance. */
        public boolean holds(double tolerance) {
            return !taps.isEmpty() && worst().relative() <= tolerance;
        }

        @Override
        public String toString() {
            TapDifference w = worst();
            return String.format("%d taps compared; worst %s (space %s): %.3g relative (max |diff| %.3g, max |x| %.3g)",
                    taps.size(), w.tap(), w.space(), w.relative(), w.maxAbsDifference(), w.maxMagnitude());
        }
    }

    private InvarianceCheck() {}

    /**
     * Compares the original and the permuted weights on the given clips (samples as the model expects them,
     * any lengths: only real frames are compared).
     */
    public static Report compare(EncoderConfig config, StateDict original, StateDict permuted, Permutations perms, List<float[]> clips) {
        return compare(config, record(config, original, clips), record(config, permuted, clips), perms);
    }

    /** Compares two recordings of the same clips, the second expected to be the first permuted by {@code perms}. */
    public static Report compare(EncoderConfig config, Recording original, Recording permuted, Permutations perms) {
        PermutationSpec spec = PermutationSpec.hubert(config);
        List<TapDifference> out = new ArrayList<>();
        for (Map.Entry<String, Recorded> e : original.taps.entrySet()) {
            String tap = e.getKey();
            Recorded x = e.getValue();
            Recorded y = permuted.taps.get(tap);
            if (y == null || y.values.length != x.values.length || y.width != x.width) {
                throw new IllegalStateException("tap " + tap + " differs in shape between the original and the permuted model");
            }
            String space = TapSpaces.spaceOf(tap);
            int[] eff = perms.effective(spec.space(space));
            double diff = 0, mag = 0;
            int d = x.width;
            for (int row = 0; row < x.values.length / d; row++) {
                int o = row * d;
                for (int j = 0; j < d; j++) {
                    double v = x.values[o + eff[j]];
                    diff = Math.max(diff, Math.abs(v - y.values[o + j]));
                    mag = Math.max(mag, Math.abs(v));
                }
            }
            out.add(new TapDifference(tap, space, diff, mag));
        }
        return new Report(out);
    }

    private record Recorded(float[] values, int width) {}

    /** Every tap of one forward pass over some clips, real frames only; reusable across comparisons. */
    public static final class Recording {
        private final Map<String, Recorded> taps;

        private Recording(Map<String, Recorded> taps) {
            this.taps = taps;
        }

        /** Number of taps recorded. */
        public int size() {
            return taps.size();
        }
    }

    /** Runs the model once over the clips (one forward pass, {@link ForwardLoop}) and keeps every tap's real frames. */
    public static Recording record(EncoderConfig config, StateDict weights, List<float[]> clips) {
        Map<String, Recorded> taps = new LinkedHashMap<>();
        try (HubertEncoder enc = HubertEncoder.create(config, weights)) {
            ForwardLoop.builder().addModel(enc, ClipPreparation.asGiven()).build()
                    .run(ClipSource.ofPrepared(clips), new ForwardLoop.BatchConsumer() {
                        @Override
                        public TapConsumer taps(ForwardLoop.Batch batch, int model) {
                            return (tap, activation, mask) -> taps.put(tap, new Recorded(ForwardLoop.realFrames(activation, mask).toFloatArray(),
                                    (int) activation.getShape().get(2)));
                        }

                        @Override
                        public void accept(ForwardLoop.Batch batch, int model, EncoderOutput output) {}
                    });
        }
        return new Recording(taps);
    }
}
