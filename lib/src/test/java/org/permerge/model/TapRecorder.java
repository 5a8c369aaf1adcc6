package org.permerge.model;

import ai.djl.ndarray.NDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/** Test helper: copies every tap to the Java heap (conv taps back to the fixture's [B, C, T] layout). */
final class TapRecorder implements TapConsumer {
    final Map<String, float[]> values = new LinkedHashMap<>();
    final Map<String, long[]> shapes = new LinkedHashMap<>();
    final Map<String, boolean[]> masks = new LinkedHashMap<>();
    private final boolean fixtureLayout;

    /** Conv taps in the fixture's [B, C, T] layout. */
    TapRecorder() {
        this(true);
    }

    /** @param fixtureLayout false keeps every tap as delivered, [B, T, D] */
    TapRecorder(boolean fixtureLayout) {
        this.fixtureLayout = fixtureLayout;
    }

    @Override
    public void accept(String tap, NDArray activation, NDArray frameMask) {
        NDArray a = fixtureLayout && Taps.isConv(tap) ? activation.transpose(0, 2, 1) : activation;
        values.put(tap, a.toFloatArray());
        shapes.put(tap, a.getShape().getShape());
        masks.put(tap, frameMask.toBooleanArray());
    }
}
