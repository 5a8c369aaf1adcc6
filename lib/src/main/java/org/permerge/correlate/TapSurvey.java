package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.extract.ClipPreparation;
import org.permerge.extract.ClipSource;
import org.permerge.extract.ForwardLoop;
import org.permerge.extract.FrameTapConsumer;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;
import org.permerge.model.Taps;

/**
 * A tap consumer that streams per-unit statistics of every tap it sees (real frames only) and, given
 * reference activations of the same batch (e.g. from transformers), the largest difference per tap. As a
 * {@link FrameTapConsumer} it takes the real frames an {@link org.permerge.extract.Extraction} streams (statistics
 * only: frames of a length-sorted batch no longer line up with a reference batch).
 */
public final class TapSurvey implements TapConsumer, FrameTapConsumer {

    private final StateDict reference;
    private final Map<String, UnitStatistics> stats = new LinkedHashMap<>();
    private final Map<String, Double> maxAbs = new LinkedHashMap<>();
    private final Map<String, Double> maxDiff = new LinkedHashMap<>();

    /** A survey without a reference. */
    public TapSurvey() {
        this(null);
    }

    /**
     * A survey comparing each tap with {@code reference}: tensors named {@code tap.<tap>} (conv taps
     * channels-first {@code [B, C, T]}, others {@code [B, T, D]}) or the tap name itself
     * ({@code hidden_states.K}, {@code last_hidden_state}), as the transformers fixtures store them.
     */
    public TapSurvey(StateDict reference) {
        this.reference = reference;
    }

    @Override
    public void accept(String tap, NDArray activation, NDArray frameMask) {
        long[] s = activation.getShape().getShape();
        if (s.length != 3) {
            throw new IllegalArgumentException("tap " + tap + ": expected [B,T,D], got " + activation.getShape());
        }
        int units = (int) s[2];
        try (NDManager scope = activation.getManager().newSubManager()) {
            NDArray x = activation.reshape(-1, units);
            NDArray mask = frameMask.reshape(-1);
            x.attach(scope);
            mask.attach(scope);
            stats.computeIfAbsent(tap, t -> new UnitStatistics(t, units)).update(x, mask);
            // |x| is >= 0, so zeroing padding rows leaves the maximum over real frames
            NDArray keep = mask.reshape(-1, 1).toType(activation.getDataType(), false);
            keep.attach(scope);
            maxAbs.merge(tap, (double) x.abs().mul(keep).max().toFloatArray()[0], Math::max);
            Tensor ref = referenceFor(tap);
            if (ref != null) {
                NDArray r = ref.toNDArray(scope).toType(activation.getDataType(), false);
                if (Taps.isConv(tap)) {
                    r = r.transpose(0, 2, 1);
                }
                if (!r.getShape().equals(activation.getShape())) {
                    throw new IllegalArgumentException("tap " + tap + ": reference shape " + r.getShape()
                            + " does not match the activation " + activation.getShape());
                }
                NDArray d = activation.sub(r).abs().reshape(-1, units).mul(keep);
                maxDiff.merge(tap, (double) d.max().toFloatArray()[0], Math::max);
            }
        }
    }

    /** Every tap (both consumer interfaces ask). */
    @Override
    public boolean wants(String tap) {
        return true;
    }

    /** Adds the real frames {@code [N, D]} of {@code tap} (no reference comparison on this path). */
    @Override
    public void accept(String tap, NDArray frames) {
        long[] s = frames.getShape().getShape();
        if (s.length != 2) {
            throw new IllegalArgumentException("tap " + tap + ": expected frames [N,D], got " + frames.getShape());
        }
        int units = (int) s[1];
        stats.computeIfAbsent(tap, t -> new UnitStatistics(t, units)).update(frames);
        if (s[0] > 0) {
            try (NDManager scope = frames.getManager().newSubManager()) {
                NDArray abs = frames.abs();
                abs.attach(scope);
                maxAbs.merge(tap, (double) abs.max().toFloatArray()[0], Math::max);
            }
        }
    }

    /**
     * The waveforms a reference file was computed on (its {@code input_values} {@code [B, samples]}), one clip
     * each, as the model saw them.
     */
    public static List<float[]> referenceInputs(StateDict reference) {
        if (!reference.contains("input_values")) {
            throw new IllegalArgumentException("the reference activations have no input_values tensor (expected [B, samples])");
        }
        Tensor input = reference.get("input_values");
        if (input.shape().length != 2) {
            throw new IllegalArgumentException("reference input_values: expected [B, samples], got "
                    + java.util.Arrays.toString(input.shape()));
        }
        int b = (int) input.dim(0);
        int n = (int) input.dim(1);
        float[] flat = input.toFloatArray();
        List<float[]> clips = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            clips.add(java.util.Arrays.copyOfRange(flat, i * n, (i + 1) * n));
        }
        return clips;
    }

    /**
     * {@code model} run once over the reference's own batch ({@link #referenceInputs}), every tap compared with
     * the reference: {@link #maxAbsDiff()} is the largest difference from the other implementation.
     */
    public static TapSurvey compare(EncoderCheckpoint model, StateDict reference) {
        TapSurvey survey = new TapSurvey(reference);
        try (HubertEncoder encoder = HubertEncoder.create(model.config(), model.weights())) {
            ForwardLoop.builder().addModel(encoder, ClipPreparation.asGiven()).build()
                    .run(ClipSource.ofPrepared(referenceInputs(reference)), new ForwardLoop.BatchConsumer() {
                        @Override
                        public TapConsumer taps(ForwardLoop.Batch batch, int m) {
                            return survey;
                        }

                        @Override
                        public void accept(ForwardLoop.Batch batch, int m, EncoderOutput output) {}
                    });
        }
        return survey;
    }

    private Tensor referenceFor(String tap) {
        if (reference == null) {
            return null;
        }
        if (reference.contains("tap." + tap)) {
            return reference.get("tap." + tap);
        }
        return reference.contains(tap) ? reference.get(tap) : null;
    }

    /** The unit statistics of {@code tap}, or null when it was never seen. */
    public UnitStatistics statistics(String tap) {
        return stats.get(tap);
    }

    /** The taps seen, in the order the encoder emitted them. */
    public List<String> taps() {
        return new ArrayList<>(stats.keySet());
    }

    /** Largest |activation − reference| over all taps that had a reference (NaN when none had). */
    public double maxAbsDiff() {
        return maxDiff.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** How many taps were compared with the reference. */
    public int comparedTaps() {
        return maxDiff.size();
    }

    /** One row per tap, in emission order. */
    public List<TapStatistics.Row> rows() {
        List<TapStatistics.Row> rows = new ArrayList<>();
        for (UnitStatistics s : stats.values()) {
            rows.add(TapStatistics.Row.of(s, maxAbs.getOrDefault(s.name(), 0.0),
                    maxDiff.getOrDefault(s.name(), Double.NaN)));
        }
        return rows;
    }
}
