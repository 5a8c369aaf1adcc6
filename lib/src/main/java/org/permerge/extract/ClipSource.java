package org.permerge.extract;

import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;

import java.util.List;

/** Clips to run an encoder over, loaded lazily so that a large calibration set never sits in memory at once. */
public interface ClipSource {
    /** Number of clips. */
    int size();

    /** Duration in seconds, used to group clips of similar length before loading them. */
    double seconds(int i);

    /** A name for errors. */
    String name(int i);

    /** The clip's audio, as recorded. */
    Audio load(int i);

    /** Mono clips all at {@code sampleRate}, named {@code clip i}. */

    static ClipSource of(List<float[]> clips, int sampleRate) {
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        return new ClipSource() {
            public int size() {
                return clips.size();
            }

            public double seconds(int i) {
                return clips.get(i).length / (double) sampleRate;
            }

            public String name(int i) {
                return "clip " + i;
            }

            public Audio load(int i) {
                return Audio.ofMono(clips.get(i), sampleRate);
            }
        };
    }

    /**
     * Clips already as the model expects them (to run with {@link ClipPreparation#asGiven()}), named {@code clip i};
     * their rate is not known, so {@link #seconds} counts samples: for plans that do not weigh time, such as
     * {@link ClipBatches#all()} or {@link ClipBatches#inOrder}.
     */
    static ClipSource ofPrepared(List<float[]> clips) {
        return of(clips, 1);
    }

    /** Every clip of a manifest, loaded from its file when its batch is reached. */
    static ClipSource of(Manifest manifest) {
        return of(manifest.clips());
    }

    /** Manifest clips, loaded from their files when their batch is reached. */
    static ClipSource of(List<Manifest.Clip> clips) {
        return new ClipSource() {
            public int size() {
                return clips.size();
            }

            public double seconds(int i) {
                return clips.get(i).duration();
            }

            public String name(int i) {
                return ClipSource.name(clips.get(i));
            }

            public Audio load(int i) {
                return clips.get(i).load();
            }
        };
    }

    /** A manifest clip's name in errors: its id and path. */
    static String name(Manifest.Clip clip) {
        return "clip '" + clip.id() + "' (" + clip.path() + ")";
    }
}
