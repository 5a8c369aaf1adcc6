package org.permerge.testing;

import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Synthetic calibration clips for tests: 16 kHz WAV files and a calibration manifest over them in one folder. */
public final class CalibrationClips {
    private CalibrationClips() {}

    /** Sample {@code t} of clip {@code clip}. */
    @FunctionalInterface
    public interface Signal {
        double sample(int clip, int t);
    }

    /**
     * Writes {@code clip<i>.wav} of {@code lengths[i]} samples at 16 kHz into {@code dir} and {@code calibration.jsonl}
     * listing them (split {@code calibration}); returns the manifest.
     */
    public static Path manifest(Path dir, int[] lengths, Signal signal, String generator) {
        List<Manifest.Clip> clips = new ArrayList<>();
        for (int c = 0; c < lengths.length; c++) {
            float[] x = new float[lengths[c]];
            for (int t = 0; t < x.length; t++) x[t] = (float) signal.sample(c, t);
            Path wav = dir.resolve("clip" + c + ".wav");
            Wav.write(wav, x, 16000);
            clips.add(new Manifest.Clip("clip" + c, wav.getFileName().toString(), x.length / 16000.0, 16000, Map.of(),
                    "calibration", Map.of(), Map.of(), Manifest.sha256(wav), dir));
        }
        Path file = dir.resolve("calibration.jsonl");
        Manifest.of(Map.of("generator", generator), clips, dir).write(file);
        return file;
    }
}
