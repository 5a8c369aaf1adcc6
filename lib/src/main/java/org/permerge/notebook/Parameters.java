package org.permerge.notebook;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The parameters a notebook opens with: a preset ({@code ci} runs in seconds, {@code mini} is the
 * embedded study), overridable by environment variables so CI can run every notebook headless.
 *
 * <p>Environment: {@code PERMERGE_PRESET} (ci|mini).
 */
public final class Parameters {

    /** The presets a notebook understands. */
    public enum Preset {
        /** Seconds per notebook: the smallest inputs that still exercise every step (CI). */
        CI,
        /** The embedded mini study: the committed mini encoders on the synthetic corpora. */
        MINI
    }

    private Parameters() {}

    /** {@code PERMERGE_PRESET} if set, else {@code fallback}. */
    public static Preset preset(Preset fallback) {
        return preset(System.getenv(), fallback);
    }

    static Preset preset(Map<String, String> env, Preset fallback) {
        Objects.requireNonNull(fallback, "fallback");
        String v = env.get("PERMERGE_PRESET");
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Preset.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PERMERGE_PRESET=" + v + " is not a preset; expected ci or mini");
        }
    }

    /** An environment variable's value, or {@code fallback} when unset or blank. */
    public static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
