package org.permerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.extract.ClipBatches;
import org.permerge.extract.ClipPreparation;
import org.permerge.extract.ClipSource;
import org.permerge.extract.ForwardLoop;
import org.permerge.io.Progress;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;

/**
 * Probe inputs from a frozen encoder: every hidden state ({@code hidden_states.0..L}), pooled over each clip's
 * real frames (padding excluded) as a {@link Pooling} says, giving {@code [clips, L + 1, pooling.dim(hidden)]}.
 */
public final class ProbeFeatures {
    private ProbeFeatures() {}

    /** Mean-pooled hidden states: {@link #hiddenStates(HubertEncoder, Preprocessor, List, int, String, Pooling)} with {@link Pooling#MEAN}. */
    public static LayerFeatures hiddenStates(HubertEncoder encoder, Preprocessor preprocessor, List<Manifest.Clip> clips,
                                             int batchSize, String label) {
        return hiddenStates(encoder, preprocessor, clips, batchSize, label, Pooling.MEAN);
    }

    /** {@link #hiddenStates(HubertEncoder, Preprocessor, List, int, String, Pooling, int)} on one worker. */
    public static LayerFeatures hiddenStates(HubertEncoder encoder, Preprocessor preprocessor, List<Manifest.Clip> clips,
                                             int batchSize, String label, Pooling pooling) {
        return hiddenStates(encoder, preprocessor, clips, batchSize, label, pooling, 1);
    }

    /**
     * Runs the encoder over the clips in batches of {@code batchSize} in the given order ({@link ForwardLoop}); each
     * clip is prepared as {@link #preparation} says, and each hidden state pooled over the clip's real frames.
     *
     * @param workers batches run on this many threads at once (each batch on one thread, its rows written to its own
     *                place), for a small encoder whose ops are too small for libtorch's own thread pool to help; the
     *                batches and so every value are the same for any number of workers
     */
    public static LayerFeatures hiddenStates(HubertEncoder encoder, Preprocessor preprocessor, List<Manifest.Clip> clips,
                                             int batchSize, String label, Pooling pooling, int workers) {
        if (clips.isEmpty()) throw new IllegalArgumentException("no clips to extract features from");
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (workers <= 0) throw new IllegalArgumentException("workers must be positive, got " + workers);
        int layers = encoder.config().numHiddenLayers() + 1;
        int hidden = pooling.dim(encoder.config().hiddenSize());
        float[] out = new float[clips.size() * layers * hidden];
        String[] ids = new String[clips.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = clips.get(i).id();
        ForwardLoop.builder().addModel(encoder, preparation(preprocessor, encoder.minSamples()))
                .optBatches(ClipBatches.inOrder(batchSize)).optWorkers(workers).optProgress(Progress.standard(), "features " + label)
                .build().run(ClipSource.of(clips), (batch, model, o) -> {
                    float[] v = pooled(o, layers, pooling);
                    // each batch writes only its own clips' rows, so workers never share a place
                    int row = layers * hidden;
                    for (int r = 0; r < batch.size(); r++) System.arraycopy(v, r * row, out, batch.clip(r) * row, row);
                });
        return new LayerFeatures(ids, layers, hidden, out);
    }

    /** One batch's pooled features, row-major {@code [B, L, dim]}. */
    private static float[] pooled(EncoderOutput o, int layers, Pooling pooling) {
        if (o.hiddenStates().size() != layers) {
            throw new IllegalStateException("encoder returned " + o.hiddenStates().size() + " hidden states, expected " + layers);
        }
        NDArray mask = o.frameMask().toType(DataType.FLOAT32, false).expandDims(2);   // [B, T, 1]
        NDArray count = mask.sum(new int[] {1}).maximum(1f);                            // [B, 1]
        NDList pooled = new NDList();
        for (NDArray h : o.hiddenStates()) {
            NDArray mean = h.mul(mask).sum(new int[] {1}).div(count);                      // [B, H]
            if (pooling == Pooling.MEAN) {
                pooled.add(mean);
            } else {
                // deviation about the mean (two-pass: no cancellation for units with a large mean)
                NDArray dev = h.sub(mean.expandDims(1)).mul(mask);
                NDArray std = dev.mul(dev).sum(new int[] {1}).div(count).sqrt();
                pooled.add(mean.concat(std, 1));                                           // [B, 2H]
            }
        }
        return ai.djl.ndarray.NDArrays.stack(pooled, 1).toFloatArray();                   // [B, L, dim]
    }

    /**
     * How the probes prepare a clip ({@link ClipPreparation}): resampled to the preprocessor's rate, padded with
     * silence to {@code minSamples} when shorter (rather than failing the whole table), then normalised.
     */
    public static ClipPreparation preparation(Preprocessor preprocessor, int minSamples) {
        return ClipPreparation.of(preprocessor, minSamples).withResample(true).padShortClips();
    }

    /** One clip's waveform as the probes prepare it: {@link #preparation} applied to the clip. */
    public static float[] prepare(Manifest.Clip clip, Preprocessor preprocessor, int minSamples) {
        return preparation(preprocessor, minSamples).prepare(clip);
    }
}
