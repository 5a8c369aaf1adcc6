package org.permerge.model;

import java.util.Locale;

/**
 * Which implementation runs an encoder's <em>inference</em> forward pass ({@link HubertEncoder#forward}):
 * DJL's differentiable ops, or {@link BlasEncoder}'s float32 GEMMs on OpenBLAS. Training
 * ({@link HubertEncoder#forwardTrain}) always runs on DJL. The environment variable {@code PERMERGE_ENCODER}
 * ({@code auto}, {@code blas}, {@code djl}) chooses for the process; {@code auto} takes BLAS wherever its
 * natives load (about 5x faster on the machine of issue 12), DJL elsewhere.
 */
public enum EncoderBackend {
    /** BLAS where OpenBLAS's natives load, else DJL. */
    AUTO,
    /** {@link BlasEncoder}: OpenBLAS SGEMMs on off-heap float32 buffers (inference only). */
    BLAS,
    /** DJL NDArray ops on libtorch, the differentiable path. */
    DJL;

    /** Set by {@link #choose}; until then {@code PERMERGE_ENCODER} decides (read on each call, so a bad value is named where it is used). */
    private static volatile EncoderBackend chosen;

    /** The backend in force: the last {@link #choose}, else {@code PERMERGE_ENCODER} (default {@code auto}). */
    public static EncoderBackend chosen() {
        EncoderBackend b = chosen;
        return b != null ? b : parse(System.getenv("PERMERGE_ENCODER"));
    }

    /** Changes the backend for the whole process; for benchmarks and tests that compare the two. */
    public static void choose(EncoderBackend b) {
        if (b == null) throw new IllegalArgumentException("encoder backend must not be null");
        chosen = b;
    }

    /** Whether inference runs on BLAS under the backend in force (AUTO: whether the natives load). */
    public static boolean inferenceOnBlas() {
        return switch (chosen()) {
            case BLAS -> true;
            case DJL -> false;
            case AUTO -> OpenBlas.available();
        };
    }

    static EncoderBackend parse(String value) {
        if (value == null || value.isBlank()) return AUTO;
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "blas" -> BLAS;
            case "djl" -> DJL;
            default -> throw new IllegalArgumentException("PERMERGE_ENCODER is '" + value + "', expected auto, blas or djl");
        };
    }
}
