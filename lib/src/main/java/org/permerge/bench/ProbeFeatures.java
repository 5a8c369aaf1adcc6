package org.permerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.audio.Manifest;
import org.permerge.audio.Resampler;
import org.permerge.checkpoint.Preprocessor;
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

    /**
     * Runs the encoder over the clips in batches; each clip is resampled to the preprocessor's rate and
     * normalised as the preprocessor says, and each hidden state pooled over the clip's real frames.
     */
    public static LayerFeatures hiddenStates(HubertEncoder encoder, Preprocessor preprocessor, List<Manifest.Clip> clips,
                                             int batchSize, String label, Pooling pooling) {
        if (clips.isEmpty()) throw new IllegalArgumentException("no clips to extract features from");
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        int layers = encoder.config().numHiddenLayers() + 1;
        int hidden = pooling.dim(encoder.config().hiddenSize());
        float[] out = new float[clips.size() * layers * hidden];
        String[] ids = new String[clips.size()];
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("features " + label).setInitialMax(clips.size())
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build()) {
            for (int start = 0; start < clips.size(); start += batchSize) {
                int b = Math.min(batchSize, clips.size() - start);
                List<float[]> batch = new ArrayList<>(b);
                for (int i = 0; i < b; i++) {
                    Manifest.Clip c = clips.get(start + i);
                    ids[start + i] = c.id();
                    batch.add(prepare(c, preprocessor, encoder.minSamples()));
                }
                try (NDManager scope = NDManager.newBaseManager(encoder.device())) {
                    EncoderOutput o = encoder.forward(scope, batch, null);
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
                    float[] v = ai.djl.ndarray.NDArrays.stack(pooled, 1).toFloatArray();                         // [B, L, H]
                    System.arraycopy(v, 0, out, start * layers * hidden, v.length);
                }
                bar.stepBy(b);
            }
        }
        return new LayerFeatures(ids, layers, hidden, out);
    }

    /** One clip's waveform as the model expects it: mono, resampled, normalised, at least one frame long. */
    public static float[] prepare(Manifest.Clip clip, Preprocessor preprocessor, int minSamples) {
        var audio = clip.load();
        float[] x = audio.mono();
        if (audio.sampleRate() != preprocessor.samplingRate()) {
            x = Resampler.resample(x, audio.sampleRate(), preprocessor.samplingRate());
        }
        if (x.length < minSamples) {
            // Too short for one frame of the conv stack: pad with silence rather than fail the whole table.
            x = java.util.Arrays.copyOf(x, minSamples);
        }
        return preprocessor.apply(x, preprocessor.samplingRate());
    }
}
