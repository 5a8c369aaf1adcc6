package org.permerge.bench.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

/**
 * The keyword-spotting task of SUPERB (KS) as a probe manifest, built from the downloaded Speech Commands v0.01
 * ({@code ./permerge download speech-commands-v1}): 12 classes — the ten command words, {@code _unknown_} for
 * every other word, {@code _silence_} — train and dev from the main archive by its validation and testing
 * lists, test from the separate test archive; silence clips for train/dev are consecutive 1 s crops of the
 * background-noise recordings (the last tenth of each recording goes to dev).
 */
public final class SpeechCommandsV1 {
    /** The ten command words of the 12-class task. */
    public static final List<String> COMMANDS = List.of("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go");
    /** Label key in the manifest. */
    public static final String LABEL = "keyword";

    private SpeechCommandsV1() {}

    /**
     * Builds {@code <dataset>/ks-manifest.jsonl} from {@code <dataset>/train} (main archive) and
     * {@code <dataset>/test} (test archive) and returns it.
     */
    public static Manifest build(Path dataset) {
        Path train = dataset.resolve("train"), test = dataset.resolve("test");
        for (Path p : List.of(train.resolve("validation_list.txt"), train.resolve("testing_list.txt"), test)) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("not an unpacked Speech Commands v0.01 download: " + p + " is missing"
                        + " (run ./permerge download speech-commands-v1)");
            }
        }
        Set<String> dev = lines(train.resolve("validation_list.txt"));
        Set<String> heldOut = lines(train.resolve("testing_list.txt"));
        List<Manifest.Clip> clips = new ArrayList<>();
        for (Path wav : wavs(train)) {
            String rel = train.relativize(wav).toString().replace('\\', '/');
            String word = rel.substring(0, rel.indexOf('/'));
            if (word.startsWith("_") || heldOut.contains(rel)) continue;
            clips.add(clip("train/" + rel, dataset, wav, label(word), dev.contains(rel) ? "dev" : "train"));
        }
        Path noise = train.resolve("_background_noise_");
        if (Files.isDirectory(noise)) {
            Path crops = dataset.resolve("derived").resolve("silence");
            for (Path wav : wavs(noise)) {
                Audio a = Wav.read(wav);
                float[] x = a.mono();
                int n = x.length / a.sampleRate();
                for (int k = 0; k < n; k++) {
                    float[] seg = java.util.Arrays.copyOfRange(x, k * a.sampleRate(), (k + 1) * a.sampleRate());
                    String name = wav.getFileName().toString().replace(".wav", "") + "_" + k + ".wav";
                    Path out = crops.resolve(name);
                    if (!Files.exists(out)) Wav.write(out, seg, a.sampleRate());
                    clips.add(clip("silence/" + name, dataset, out, "_silence_", k >= n - Math.max(1, n / 10) ? "dev" : "train"));
                }
            }
        }
        for (Path wav : wavs(test)) {
            String rel = test.relativize(wav).toString().replace('\\', '/');
            String folder = rel.substring(0, rel.indexOf('/'));
            clips.add(clip("test/" + rel, dataset, wav, folder.startsWith("_") ? folder : label(folder), "test"));
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("generator", "permerge SpeechCommandsV1 (SUPERB KS protocol)");
        header.put("source", "speech_commands_v0.01.tar.gz + speech_commands_test_set_v0.01.tar.gz");
        header.put("classes", 12);
        header.put("split_rule", "train/dev by validation_list.txt (testing_list.txt clips dropped); test = the test archive;"
                + " _silence_ = 1 s crops of _background_noise_, last tenth of each recording to dev");
        Manifest m = Manifest.of(header, clips, dataset);
        m.write(dataset.resolve("ks-manifest.jsonl"));
        return Manifest.read(dataset.resolve("ks-manifest.jsonl"));
    }

    static String label(String word) {
        return COMMANDS.contains(word) ? word : "_unknown_";
    }

    private static Manifest.Clip clip(String id, Path root, Path wav, String label, String split) {
        Audio a = Wav.read(wav);
        return new Manifest.Clip(id, root.relativize(wav).toString().replace('\\', '/'), a.durationSeconds(), a.sampleRate(),
                Map.of(LABEL, label), split, Map.of(), Map.of(), Manifest.sha256(wav), root);
    }

    private static List<Path> wavs(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".wav")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Set<String> lines(Path file) {
        try {
            Set<String> out = new HashSet<>();
            for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) if (!l.isBlank()) out.add(l.trim());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
