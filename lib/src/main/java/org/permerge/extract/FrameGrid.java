package org.permerge.extract;

import org.permerge.model.EncoderConfig;
import org.permerge.model.Taps;

/**
 * Where the frames of one tap sit in time: frame i covers samples [i·stride, i·stride + receptiveField)
 * of audio at {@code sampleRate}, and is placed at the centre of that span.
 *
 * @param stride         samples between consecutive frames
 * @param receptiveField samples one frame sees
 * @param sampleRate     samples per second of the model's input
 */
public record FrameGrid(int stride, int receptiveField, int sampleRate) {

    /** The grid of a tap: conv block j's frames for conv taps, the encoder frames for every other tap. */
    public static FrameGrid of(EncoderConfig c, int sampleRate, String tap) {
        int last = Taps.isConv(tap) ? Taps.convIndex(tap) : c.numConvLayers() - 1;
        int stride = 1;
        int field = 1;
        for (int j = 0; j <= last; j++) {
            field += (c.convKernel()[j] - 1) * stride;
            stride *= c.convStride()[j];
        }
        return new FrameGrid(stride, field, sampleRate);
    }

    /** Centre of frame i, in seconds. */
    public double timeOf(double frame) {
        return (frame * stride + (receptiveField - 1) / 2.0) / sampleRate;
    }

    /** The (fractional) frame index whose centre is at {@code seconds}. */
    public double frameAt(double seconds) {
        return (seconds * sampleRate - (receptiveField - 1) / 2.0) / stride;
    }
}
