package org.permerge.bench;

/** Which half of the benchmark a task belongs to: the speech (SUPERB-like) or the music (MARBLE-like) tasks. */
public enum Domain {
    SPEECH, MUSIC;

    /** Lower-case name as used in presets and table headers. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses "speech"/"music" (any case), naming the accepted values on error. */
    public static Domain parse(String s) {
        for (Domain d : values()) {
            if (d.name().equalsIgnoreCase(s)) return d;
        }
        throw new IllegalArgumentException("unknown task domain '" + s + "' (expected speech or music)");
    }
}
