package org.permerge.extract;

import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;

import java.util.List;

/** Clips to extract from, loaded lazily so that a large calibration set never sits in memory at once. */
interface ClipSource {
    int size();

    /** Duration in seconds, used to group clips of similar length before loading them. */
    double seconds(int i);

    /** A name for errors. */
    String name(int i);

    Audio load(int i);

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

    static ClipSource of(Manifest manifest) {
        List<Manifest.Clip> clips = manifest.clips();
        return new ClipSource() {
            public int size() {
                return clips.size();
            }

            public double seconds(int i) {
                return clips.get(i).duration();
            }

            public String name(int i) {
                return "clip '" + clips.get(i).id() + "' (" + clips.get(i).path() + ")";
            }

            public Audio load(int i) {
                return clips.get(i).load();
            }
        };
    }
}
