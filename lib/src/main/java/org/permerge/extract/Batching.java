package org.permerge.extract;

import ai.djl.ndarray.NDArray;
import org.permerge.audio.Audio;
import org.permerge.audio.Resampler;
import org.permerge.checkpoint.Preprocessor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** Shared mechanics of the extractions: grouping clips of similar length, preparing them, dropping padding. */
final class Batching {
    private Batching() {}

    /**
     * Clip indices grouped into batches: longest first, so that each batch pads little, with at most
     * {@code maxBatchSeconds} of padded audio (clips × longest clip) per batch, and at least one clip.
     */
    static List<int[]> plan(ClipSource source, double maxBatchSeconds) {
        Integer[] order = IntStream.range(0, source.size()).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -source.seconds(i)).thenComparingInt(i -> i));
        List<int[]> batches = new ArrayList<>();
        int start = 0;
        while (start < order.length) {
            double longest = source.seconds(order[start]);
            int count = Math.max(1, (int) Math.floor(maxBatchSeconds / Math.max(longest, 1e-9)));
            int end = Math.min(order.length, start + count);
            int[] batch = new int[end - start];
            for (int i = start; i < end; i++) batch[i - start] = order[i];
            batches.add(batch);
            start = end;
        }
        return batches;
    }

    /** The clip at the model's rate (resampled only when allowed) and with the model's own preprocessing. */
    /**
     * Refuses, before any forward pass, the clips whose recorded length yields no output frame of {@code config}
     * (shorter than its receptive field at the encoder's rate), naming them; a run would otherwise fail at the end,
     * when the shortest clips (batched last) are reached.
     */
    static void checkLengths(ClipSource source, String model, org.permerge.model.EncoderConfig config, Preprocessor pre) {
        int field = config.receptiveField();
        int rate = pre.samplingRate();
        List<String> tooShort = new ArrayList<>();
        for (int i = 0; i < source.size(); i++) {
            long samples = (long) Math.floor(source.seconds(i) * rate + 1e-6);
            if (samples < field) tooShort.add(source.name(i) + ": " + samples + " samples");
        }
        if (!tooShort.isEmpty()) {
            throw new IllegalArgumentException(tooShort.size() + " clip(s) are shorter than the receptive field of " + (model.isEmpty() ? "the model" : "model " + model)
                    + " (" + field + " samples, " + String.format(java.util.Locale.ROOT, "%.1f", field * 1000.0 / rate) + " ms at "
                    + rate + " Hz), so they yield no frame; remove them from the manifest: "
                    + String.join("; ", tooShort.subList(0, Math.min(5, tooShort.size()))) + (tooShort.size() > 5 ? "; ..." : ""));
        }
    }

    /** The same check on a clip as loaded (its file may hold less than the manifest records). */
    static float[] checkLength(float[] x, org.permerge.model.EncoderConfig config, String model, String name) {
        if (x.length < config.receptiveField()) {
            throw new IllegalArgumentException(name + " has " + x.length + " samples, fewer than the receptive field of " + (model.isEmpty() ? "the model" : "model " + model)
                    + " (" + config.receptiveField() + " samples), so it yields no frame; remove it from the manifest");
        }
        return x;
    }

    static float[] prepare(Audio audio, Preprocessor pre, boolean resample, String name) {
        float[] x = audio.mono();
        int rate = audio.sampleRate();
        if (rate != pre.samplingRate()) {
            if (!resample) {
                throw new IllegalArgumentException(name + " is at " + rate + " Hz but the encoder expects " + pre.samplingRate()
                        + " Hz; resample it or enable resampling (optResample(true))");
            }
            x = Resampler.resample(x, rate, pre.samplingRate());
            rate = pre.samplingRate();
        }
        try {
            return pre.apply(x, rate);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /** [B, T, D] activations → [N, D] rows of the frames the mask keeps, clip after clip. */
    static NDArray realFrames(NDArray activation, NDArray frameMask) {
        return activation.get(frameMask);
    }

    /** Real frames of each clip, from a [B, T] mask. */
    static int[] counts(NDArray frameMask) {
        boolean[] m = frameMask.toBooleanArray();
        int b = (int) frameMask.getShape().get(0);
        int t = (int) frameMask.getShape().get(1);
        int[] n = new int[b];
        for (int i = 0; i < b; i++) {
            int c = 0;
            for (int f = 0; f < t; f++) if (m[i * t + f]) c++;
            n[i] = c;
        }
        return n;
    }
}
