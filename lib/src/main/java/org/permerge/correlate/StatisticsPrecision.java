package org.permerge.correlate;

import java.util.Locale;

/**
 * The arithmetic of the cross co-moment, the one matrix product per batch that dominates the statistics'
 * cost. Both modes centre each batch on its own mean in float64 (so a large common offset cancels no digits),
 * keep means and M2 in float64 and add batches up in float64 (Chan's combine); they differ only in the batch
 * product.
 */
public enum StatisticsPrecision {
    /**
     * The centred batch is cast to float32 and its co-moment is a float32 GEMM on OpenBLAS, which runs several times
     * the speed of the float64 one (align-bench, issue 12). Correlations stay within 10⁻⁶ (absolute) of a float64
     * two-pass answer on the same float32 activations, far below the sampling error of a correlation over any
     * calibration set (about 1/√frames, 10⁻³ at a million frames).
     */
    FLOAT32,
    /**
     * The co-moment is a float64 GEMM: exact to about 10⁻¹² relative. Sharded or distributed runs whose sum must
     * agree with a single run to 10⁻⁹ use it.
     */
    FLOAT64;

    /** The value written to the statistics provenance ({@code statistics.precision}): float32 or float64. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads {@code float32} or {@code float64} (any case). */
    public static StatisticsPrecision parse(String s) {
        for (StatisticsPrecision p : values()) {
            if (p.key().equalsIgnoreCase(s.trim())) return p;
        }
        throw new IllegalArgumentException("statistics precision '" + s + "': expected float32 or float64");
    }
}
