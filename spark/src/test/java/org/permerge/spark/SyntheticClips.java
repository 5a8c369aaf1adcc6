package org.permerge.spark;

import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** What the Spark tests run on: the committed mini encoders, and seeded synthetic clips (two tones and noise). */
final class SyntheticClips {
    private SyntheticClips() {}

    /** The project folder (Maven passes it; else the module's parent). */
    static Path project() {
        String dir = System.getProperty("permerge.project.dir");
        return (dir != null ? Path.of(dir) : Path.of("..")).toAbsolutePath().normalize();
    }

    /** The mini encoder of one domain ({@code speech}: the ci preset's A, {@code music}: its B). */
    static String model(String domain) {
        return project().resolve("data-manifests/models/mini-" + domain).toString();
    }

    /**
     * Writes clips {@code clip0..} of the given lengths (samples at 16 kHz) into {@code dir} with a manifest
     * {@code name}, and returns the manifest's path.
     */
    static Path manifest(Path dir, String name, int[] lengths, long seed) {
        Random rnd = new Random(seed);
        List<Manifest.Clip> clips = new ArrayList<>();
        for (int c = 0; c < lengths.length; c++) {
            float[] x = new float[lengths[c]];
            double f = 150 + 70 * c;
            for (int t = 0; t < x.length; t++) {
                x[t] = (float) (0.3 * Math.sin(2 * Math.PI * f * t / 16000) + 0.2 * Math.sin(2 * Math.PI * 3.1 * f * t / 16000)
                        + 0.05 * rnd.nextGaussian());
            }
            Path wav = dir.resolve("clip" + c + ".wav");
            Wav.write(wav, x, 16000);
            clips.add(new Manifest.Clip("clip" + c, wav.getFileName().toString(), x.length / 16000.0, 16000, Map.of(),
                    "calibration", Map.of(), Map.of(), Manifest.sha256(wav), dir));
        }
        Path manifest = dir.resolve(name);
        Manifest.of(Map.of("generator", "permerge Spark tests"), clips, dir).write(manifest);
        return manifest;
    }
}
