package org.permerge.bench.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.permerge.audio.Audio;
import org.permerge.audio.AudioFormatException;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

/**
 * The MARBLE genre-classification task as a probe manifest, built from the downloaded GTZAN collection
 * ({@code ./permerge download gtzan}): one clip per track {@code genres/<genre>/<genre>.000NN.au} (or {@code .wav}
 * in re-encoded copies), labelled by its folder, split by the fault-filtered lists of Kereliuk, Sturm and Larsen
 * ({@code train_filtered.txt}, {@code valid_filtered.txt}, {@code test_filtered.txt} beside {@code genres/});
 * tracks in no list are left out, as that split does. Sun AU tracks are decoded to WAV under {@code derived/wav}
 * because the manifest's clips are read as WAV.
 */
public final class Gtzan {
    /** Label key in the manifest. */
    public static final String LABEL = "genre";
    /** The split lists, in the order train, dev, test. */
    public static final List<String> SPLIT_FILES = List.of("train_filtered.txt", "valid_filtered.txt", "test_filtered.txt");
    private static final List<String> SPLITS = List.of("train", "dev", "test");

    private Gtzan() {}

    /** Builds {@code <dataset>/genre-manifest.jsonl} from {@code <dataset>/genres} and the three split lists and returns it. */
    public static Manifest build(Path dataset) {
        Path genres = dataset.resolve("genres");
        if (!Files.isDirectory(genres)) {
            throw new IllegalArgumentException("not an unpacked GTZAN download: " + genres + " is missing (run ./permerge download gtzan)");
        }
        Map<String, String> splitOf = new HashMap<>();
        for (int i = 0; i < SPLIT_FILES.size(); i++) {
            Path list = dataset.resolve(SPLIT_FILES.get(i));
            if (!Files.exists(list)) {
                throw new IllegalArgumentException("GTZAN split list " + list + " is missing: take the fault-filtered lists "
                        + SPLIT_FILES + " from the MARBLE benchmark (a43992899/MARBLE-Benchmark) and place them in " + dataset);
            }
            for (String line : lines(list)) {
                String prev = splitOf.put(track(line), SPLITS.get(i));
                if (prev != null && !prev.equals(SPLITS.get(i))) {
                    throw new IllegalArgumentException("track " + line + " is in both the " + prev + " and the " + SPLITS.get(i) + " list");
                }
            }
        }
        List<Manifest.Clip> clips = new ArrayList<>();
        Path derived = dataset.resolve("derived").resolve("wav");
        for (Path f : tracks(genres)) {
            String rel = genres.relativize(f).toString().replace('\\', '/');
            int slash = rel.indexOf('/');
            if (slash < 0) continue;
            String split = splitOf.get(track(rel));
            if (split == null) continue;
            Path wav = f;
            if (f.toString().endsWith(".au")) {
                wav = derived.resolve(rel.substring(0, rel.length() - 3) + ".wav");
                if (!Files.exists(wav)) {
                    try {
                        Wav.write(wav, readAu(f), Wav.Encoding.PCM_S16);
                    } catch (AudioFormatException e) {
                        // jazz.00054 is truncated in some copies; one missing track must not stop the rest
                        System.err.println("warning: skipping undecodable GTZAN track " + f + ": " + e.getMessage());
                        continue;
                    }
                }
            }
            String id = rel.substring(0, rel.lastIndexOf('.'));
            Audio a = Wav.read(wav);
            clips.add(new Manifest.Clip(id, dataset.relativize(wav).toString().replace('\\', '/'), a.durationSeconds(), a.sampleRate(),
                    Map.of(LABEL, rel.substring(0, slash)), split, Map.of(), Map.of(), Manifest.sha256(wav), dataset));
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("generator", "permerge Gtzan (MARBLE genre classification)");
        header.put("source", "genres.tar.gz + " + String.join(", ", SPLIT_FILES));
        header.put("classes", clips.stream().map(c -> c.label(LABEL)).distinct().count());
        header.put("split_rule", "fault-filtered split (Kereliuk, Sturm and Larsen 2015): train/dev/test by "
                + String.join("/", SPLIT_FILES) + "; tracks in no list left out");
        Manifest m = Manifest.of(header, clips, dataset);
        m.write(dataset.resolve("genre-manifest.jsonl"));
        return Manifest.read(dataset.resolve("genre-manifest.jsonl"));
    }

    /** The track key of a list line or path: its file name without folder and extension, e.g. {@code blues.00012}. */
    static String track(String line) {
        String name = line.trim().replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > name.indexOf('.') ? name.substring(0, dot) : name;
    }

    /**
     * Decodes a Sun AU file of 16-bit linear PCM (encoding 3, the GTZAN format): big-endian header
     * {@code .snd}, data offset, data size, encoding, sample rate, channels.
     */
    static Audio readAu(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
        if (b.length < 24 || h.getInt(0) != 0x2e736e64) throw new AudioFormatException(file + ": not a Sun AU file (no .snd magic)");
        int offset = h.getInt(4), size = h.getInt(8), encoding = h.getInt(12), rate = h.getInt(16), channels = h.getInt(20);
        if (encoding != 3) throw new AudioFormatException(file + ": AU encoding " + encoding + ", expected 3 (16-bit linear PCM)");
        if (channels < 1 || rate <= 0 || offset < 24 || offset > b.length) {
            throw new AudioFormatException(file + ": bad AU header (offset " + offset + ", rate " + rate + ", channels " + channels + ")");
        }
        int available = b.length - offset;
        // 0xffffffff means "unknown size"; a stated size beyond the file means the file is truncated
        if (size != -1 && Integer.toUnsignedLong(size) > available) {
            throw new AudioFormatException(file + ": truncated, header states " + Integer.toUnsignedLong(size) + " data bytes but "
                    + available + " follow");
        }
        int bytes = size == -1 ? available : size;
        int frames = bytes / (2 * channels);
        if (frames == 0) throw new AudioFormatException(file + ": no audio data");
        float[] mono = new float[frames];
        for (int i = 0; i < frames; i++) {
            float s = 0;
            for (int c = 0; c < channels; c++) s += h.getShort(offset + 2 * (i * channels + c)) / 32768f;
            mono[i] = s / channels;
        }
        return Audio.ofMono(mono, rate);
    }

    private static List<Path> tracks(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".wav") || p.toString().endsWith(".au")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
