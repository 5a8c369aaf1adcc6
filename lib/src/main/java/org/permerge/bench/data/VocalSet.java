package org.permerge.bench.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

/**
 * The MARBLE singer-identification and vocal-technique tasks as one probe manifest, built from the downloaded
 * VocalSet 1.1 ({@code ./permerge download vocalset}): every recording {@code FULL/<singer>/<context>/<technique>/*.wav}
 * is cut into non-overlapping 3 s segments (the shorter tail dropped), each a clip labelled with its singer and
 * technique. Each row carries per-task splits: {@code technique} (only the ten techniques MARBLE keeps) by the
 * singer lists shipped in the archive, a tenth of the training singers' recordings held out as dev;
 * {@code singer} by a random 8:1:1 split of the segments, drawn from a hash of the segment id so it is reproducible.
 */
public final class VocalSet {
    /** Label key and task name of singer identification. */
    public static final String SINGER = "singer";
    /** Label key and task name of technique classification. */
    public static final String TECHNIQUE = "technique";
    /** The techniques of MARBLE's technique task; recordings of other techniques serve the singer task only. */
    public static final List<String> TECHNIQUES = List.of("belt", "breathy", "inhaled", "lip_trill", "spoken", "straight",
            "trill", "trillo", "vibrato", "vocal_fry");
    /** Segment length in seconds (MARBLE's preprocessing). */
    public static final int SEGMENT_SECONDS = 3;
    private static final Pattern SINGER_ID = Pattern.compile("\\b([fm][0-9]+)\\b");

    private VocalSet() {}

    /** Builds {@code <dataset>/vocalset-manifest.jsonl} from the unpacked archive and returns it. */
    public static Manifest build(Path dataset) {
        Path full = find(dataset, "FULL", true);
        Path base = full.getParent();
        Set<String> trainSingers = singers(find(base, "train_singers_technique.txt", false));
        Set<String> testSingers = singers(find(base, "test_singers_technique.txt", false));
        Set<String> both = new LinkedHashSet<>(trainSingers);
        both.retainAll(testSingers);
        if (!both.isEmpty()) throw new IllegalArgumentException("singers " + both + " are in both technique split lists");
        Path segments = dataset.resolve("derived").resolve("segments");
        List<Manifest.Clip> clips = new ArrayList<>();
        int skipped = 0;
        for (Path wav : wavs(full)) {
            String rel = full.relativize(wav).toString().replace('\\', '/');
            String[] parts = rel.split("/");
            if (parts.length != 4) {
                skipped++;
                continue;
            }
            String singer = parts[0], context = parts[1], technique = parts[2];
            String recording = rel.substring(0, rel.length() - ".wav".length());
            Audio a = Wav.read(wav);
            float[] x = a.mono();
            int len = SEGMENT_SECONDS * a.sampleRate();
            for (int k = 0; k < x.length / len; k++) {
                String id = recording + "_" + k;
                Path out = segments.resolve(id + ".wav");
                if (!Files.exists(out)) Wav.write(out, Arrays.copyOfRange(x, k * len, (k + 1) * len), a.sampleRate());
                Map<String, String> splits = new LinkedHashMap<>();
                double u = unit(id);
                splits.put(SINGER, u < 0.8 ? "train" : u < 0.9 ? "dev" : "test");
                if (TECHNIQUES.contains(technique)) {
                    if (testSingers.contains(singer)) splits.put(TECHNIQUE, "test");
                    // whole recordings go to dev so no recording straddles train and dev
                    else if (trainSingers.contains(singer)) splits.put(TECHNIQUE, unit(recording) < 0.1 ? "dev" : "train");
                }
                Map<String, Object> factors = new LinkedHashMap<>();
                factors.put("context", context);
                factors.put("recording", recording);
                factors.put("segment", k);
                clips.add(new Manifest.Clip(id, dataset.relativize(out).toString().replace('\\', '/'), (double) SEGMENT_SECONDS,
                        a.sampleRate(), Map.of(SINGER, singer, TECHNIQUE, technique), splits.get(SINGER), splits, factors,
                        Manifest.sha256(out), dataset));
            }
        }
        if (skipped > 0) System.err.println("warning: " + skipped + " VocalSet files not at FULL/<singer>/<context>/<technique>/ were left out");
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("generator", "permerge VocalSet (MARBLE singer identification and vocal technique)");
        header.put("source", "VocalSet11.zip");
        header.put("segment_seconds", SEGMENT_SECONDS);
        header.put("split_rule", "technique: singers of train_singers_technique.txt / test_singers_technique.txt, recordings of"
                + " training singers with sha256(recording id) below 0.1 of the range to dev, techniques " + TECHNIQUES
                + "; singer: segments by sha256(segment id) as a fraction of the range, < 0.8 train, < 0.9 dev, else test");
        Manifest m = Manifest.of(header, clips, dataset);
        m.write(dataset.resolve("vocalset-manifest.jsonl"));
        return Manifest.read(dataset.resolve("vocalset-manifest.jsonl"));
    }

    /** A reproducible number in [0, 1) from the first 8 bytes of the id's sha256. */
    static double unit(String id) {
        byte[] h = HexFormat.of().parseHex(Manifest.sha256(id.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
        long v = 0;
        for (byte b : h) v = (v << 8) | (b & 0xff);
        return (v >>> 11) * 0x1.0p-53;
    }

    private static Set<String> singers(Path list) {
        try {
            Set<String> out = new LinkedHashSet<>();
            Matcher m = SINGER_ID.matcher(Files.readString(list, StandardCharsets.UTF_8).toLowerCase());
            while (m.find()) out.add(m.group(1));
            if (out.isEmpty()) throw new IllegalArgumentException(list + " names no singer (expected ids like f1, m11)");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + list + ": " + e.getMessage(), e);
        }
    }

    /** The one file or folder of this name within three levels below {@code dir} (archives may add a top folder). */
    private static Path find(Path dir, String name, boolean folder) {
        List<Path> hits;
        try (Stream<Path> s = Files.exists(dir) ? Files.walk(dir, 3) : Stream.empty()) {
            hits = s.filter(p -> p.getFileName() != null && p.getFileName().toString().equals(name)
                    && Files.isDirectory(p) == folder).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (hits.size() != 1) {
            throw new IllegalArgumentException("not an unpacked VocalSet 1.1 download: expected one " + name + " under " + dir
                    + ", found " + hits.size() + " (run ./permerge download vocalset)");
        }
        return hits.get(0);
    }

    private static List<Path> wavs(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".wav")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
