package org.permerge.bench.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.permerge.audio.Audio;
import org.permerge.audio.AudioFormatException;
import org.permerge.audio.ExternalTool;
import org.permerge.audio.Manifest;
import org.permerge.audio.Resampler;
import org.permerge.audio.Wav;

/**
 * A calibration set drawn from a real dataset (the paper draws 5000 LibriSpeech utterances and as many music
 * clips): a seeded draw of audio files under a folder, each decoded to 16-bit mono WAV at the encoders' rate and
 * cut to at most {@code maxSeconds}, with a manifest whose clips all have the split {@code calibration}.
 * WAV is read directly; FLAC, MP3, OGG and the rest go through {@code ffmpeg} when it is installed, else
 * {@code sox} (which reads MP3 only with {@code libsox-fmt-mp3}). A file that cannot be decoded stops the draw
 * naming it, or — with {@code skipUnreadable} — is replaced by the next file of the draw and listed in the header.
 */
public final class CalibrationDraw {
    public static final ExternalTool FFMPEG = new ExternalTool("ffmpeg", "ffmpeg");

    /**
     * @param source         folder holding the dataset's audio
     * @param glob           which files, relative to {@code source} (e.g. {@code **}{@code /*.flac})
     * @param clips          how many to draw
     * @param maxSeconds     each clip is cut to at most this long (from its start)
     * @param sampleRate     rate of the written clips (the encoders': 16 000 for HuBERT, 24 000 for MERT-v1)
     * @param seed           seed of the draw
     * @param out            output folder: {@code manifest.jsonl} and {@code clips/}
     * @param skipUnreadable replace undecodable files instead of failing
     */
    public record Options(Path source, String glob, int clips, double maxSeconds, int sampleRate, long seed, Path out,
                          boolean skipUnreadable) {
        public Options {
            if (clips < 1) throw new IllegalArgumentException("calibration: clips " + clips + " must be ≥ 1");
            if (!(maxSeconds > 0)) throw new IllegalArgumentException("calibration: max seconds " + maxSeconds + " must be > 0");
            if (sampleRate < 1000) throw new IllegalArgumentException("calibration: sample rate " + sampleRate + " Hz is implausible");
        }
    }

    /**
     * Shortest clip kept, in seconds: the receptive field of HuBERT and MERT (400 samples at 16 kHz), the shortest
     * audio that gives one output frame. A shorter clip is skipped (and counted in the header), since {@code stats}
     * would refuse it; encoders with a wider field are checked again there, before any forward pass.
     */
    public static final double MIN_SECONDS = 0.025;

    private CalibrationDraw() {}

    /** Draws, decodes and writes the clips and {@code out/manifest.jsonl}; returns the manifest. */
    public static Manifest build(Options o, IntConsumer progress) {
        if (!Files.isDirectory(o.source())) {
            throw new IllegalArgumentException("calibration: source folder " + o.source() + " does not exist");
        }
        List<Path> files = matching(o.source(), o.glob());
        if (files.isEmpty()) {
            throw new IllegalArgumentException("calibration: no file under " + o.source() + " matches '" + o.glob() + "'");
        }
        if (files.size() < o.clips()) {
            throw new IllegalArgumentException("calibration: " + files.size() + " files under " + o.source() + " match '" + o.glob()
                    + "', fewer than the " + o.clips() + " requested");
        }
        Collections.shuffle(files, new Random(o.seed()));
        Path clipsDir = o.out().resolve("clips");
        try {
            Files.createDirectories(clipsDir);
        } catch (IOException e) {
            throw new UncheckedIOException("calibration: cannot create " + clipsDir, e);
        }
        List<Manifest.Clip> rows = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int tooShort = 0;
        int minSamples = (int) Math.ceil(MIN_SECONDS * o.sampleRate());
        Path root = o.out().toAbsolutePath().normalize();
        for (int i = 0; i < files.size() && rows.size() < o.clips(); i++) {
            Path f = files.get(i);
            String rel = o.source().relativize(f).toString().replace('\\', '/');
            float[] samples;
            try {
                samples = decode(f, o.sampleRate(), o.maxSeconds());
            } catch (RuntimeException e) {
                if (!o.skipUnreadable()) {
                    throw new AudioFormatException("calibration: cannot decode " + f + ": " + e.getMessage()
                            + " (pass --skip-unreadable to draw another file in its place)");
                }
                skipped.add(rel + ": " + firstLine(e.getMessage()));
                continue;
            }
            if (samples.length < minSamples) {
                tooShort++;
                continue;
            }
            String id = String.format(Locale.ROOT, "cal-%05d", rows.size());
            String path = "clips/" + id + ".wav";
            Wav.write(root.resolve(path), samples, o.sampleRate());
            Map<String, Object> factors = new LinkedHashMap<>();
            factors.put("source", rel);
            rows.add(new Manifest.Clip(id, path, (double) samples.length / o.sampleRate(), o.sampleRate(), Map.of(), "calibration",
                    Map.of(), factors, Manifest.sha256(root.resolve(path)), root));
            progress.accept(rows.size());
        }
        if (rows.size() < o.clips()) {
            throw new IllegalArgumentException("calibration: only " + rows.size() + " of " + o.clips() + " files could be decoded ("
                    + skipped.size() + " skipped: " + skipped.subList(0, Math.min(3, skipped.size())) + "; " + tooShort
                    + " shorter than " + MIN_SECONDS + " s)");
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("generator", "permerge calibration");
        header.put("source", o.source().toAbsolutePath().normalize().toString());
        header.put("glob", o.glob());
        header.put("matching_files", files.size());
        header.put("clips", o.clips());
        header.put("max_seconds", o.maxSeconds());
        header.put("sample_rate", o.sampleRate());
        header.put("seed", o.seed());
        header.put("draw", "files sorted by path, shuffled with java.util.Random(seed), taken in order");
        header.put("decoder", decoderName());
        if (!skipped.isEmpty()) header.put("skipped", skipped);
        header.put("min_seconds", MIN_SECONDS);
        header.put("skipped_too_short", tooShort);
        Manifest m = Manifest.of(header, rows, root);
        m.write(root.resolve("manifest.jsonl"));
        return Manifest.read(root.resolve("manifest.jsonl"));
    }

    /** Files under {@code source} matching {@code glob} (relative paths), sorted so the draw does not depend on the file system. */
    static List<Path> matching(Path source, String glob) {
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        try (Stream<Path> s = Files.walk(source)) {
            return new ArrayList<>(s.filter(Files::isRegularFile).filter(p -> m.matches(source.relativize(p))).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException("calibration: cannot list " + source, e);
        }
    }

    /** One file as mono samples at {@code rate}, at most {@code maxSeconds} long. */
    static float[] decode(Path file, int rate, double maxSeconds) {
        int max = (int) Math.round(maxSeconds * rate);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".wav")) {
            Audio a = Wav.read(file);
            float[] x = a.mono();
            if (a.sampleRate() != rate) x = Resampler.resample(x, a.sampleRate(), rate);
            return x.length > max ? java.util.Arrays.copyOf(x, max) : x;
        }
        Path tmp;
        try {
            tmp = Files.createTempFile("permerge-decode", ".wav");
        } catch (IOException e) {
            throw new UncheckedIOException("calibration: cannot create a temporary file", e);
        }
        try {
            String secs = String.format(Locale.ROOT, "%.6f", maxSeconds);
            if (FFMPEG.available()) {
                FFMPEG.run(List.of("-v", "error", "-nostdin", "-y", "-i", file.toString(), "-t", secs, "-ac", "1", "-ar",
                        Integer.toString(rate), "-c:a", "pcm_s16le", "-f", "wav", tmp.toString()), null);
            } else if (ExternalTool.SOX.available()) {
                ExternalTool.SOX.run(List.of("-V1", file.toString(), "-t", "wav", "-b", "16", "-c", "1", "-r", Integer.toString(rate),
                        tmp.toString(), "trim", "0", secs), null);
            } else {
                throw new IllegalStateException("decoding " + name + " needs ffmpeg or sox: install the Debian package 'ffmpeg' or 'sox' "
                        + "(MP3 through sox also needs 'libsox-fmt-mp3')");
            }
            Audio a = Wav.read(tmp);
            if (a.sampleRate() != rate) throw new AudioFormatException("decoder wrote " + a.sampleRate() + " Hz, asked for " + rate);
            if (a.frames() == 0) throw new AudioFormatException("no audio decoded");
            return a.mono();
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temporary file is harmless
            }
        }
    }

    private static String decoderName() {
        if (FFMPEG.available()) return FFMPEG.version("-version");
        if (ExternalTool.SOX.available()) return ExternalTool.SOX.version("--version");
        return "WAV only (neither ffmpeg nor sox installed)";
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
