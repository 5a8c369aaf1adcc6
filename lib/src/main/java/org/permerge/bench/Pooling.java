package org.permerge.bench;

import java.util.Locale;

/**
 * How a frozen encoder's hidden states become one vector per clip and layer for the probe: the mean over the
 * clip's real frames, or the mean followed by the standard deviation (what the log-mel baseline has always had:
 * a frame average alone throws away how a sound changes over the clip, which rhythm and speaker style live in).
 */
public enum Pooling {
    /** {@code [hidden]} per layer: the mean over real frames. */
    MEAN("mean"),
    /** {@code [2 × hidden]} per layer: the mean, then the standard deviation (population, over real frames). */
    MEAN_STD("mean+std");

    private final String label;

    Pooling(String label) {
        this.label = label;
    }

    /** The name used in presets, cache keys and provenance: {@code mean} or {@code mean+std}. */
    public String label() {
        return label;
    }

    /** Values per layer for an encoder of width {@code hidden}. */
    public int dim(int hidden) {
        return this == MEAN ? hidden : 2 * hidden;
    }

    /**
     * The feature kind in a feature-cache key: {@code hidden-states-mean} (the key mean-pooled features always had)
     * or {@code hidden-states-mean+std}.
     */
    public String featureKind() {
        return "hidden-states-" + label;
    }

    /** Parses {@code mean} or {@code mean+std} (case-insensitive). */
    public static Pooling parse(String s) {
        for (Pooling p : values()) if (p.label.equals(s.toLowerCase(Locale.ROOT).trim())) return p;
        throw new IllegalArgumentException("unknown pooling '" + s + "', expected 'mean' or 'mean+std'");
    }

    @Override
    public String toString() {
        return label;
    }
}
