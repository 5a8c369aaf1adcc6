package org.permerge.audio.corpus;

import org.permerge.Version;
import org.permerge.audio.Manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parts every corpus shares: its scratch folder, the common header fields, and writing the manifest. */
final class CorpusFiles {
    private CorpusFiles() {}

    /** Header fields common to both corpora, in a fixed order. */
    static Map<String, Object> header(String domain, CorpusOptions options, int sampleRate) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("generator", "permerge corpus --domain " + domain);
        header.put("permerge_version", Version.VERSION);
        header.put("domain", domain);
        header.put("seed", options.seed());
        header.put("clips", options.clips());
        header.put("calibration_clips", options.calibrationClips());
        header.put("sample_rate", sampleRate);
        return header;
    }

    /** Writes {@code manifest.jsonl} into the output folder and returns it as read back from disk. */
    static Manifest writeManifest(Map<String, Object> header, Manifest.Clip[] rows, CorpusOptions options) {
        Manifest m = Manifest.of(header, List.of(rows), options.out().toAbsolutePath().normalize());
        m.write(options.out().resolve("manifest.jsonl"));
        return Manifest.read(options.out().resolve("manifest.jsonl"));
    }

    /** A task's header entry: its label and the held-out factor's values per split. */
    static Map<String, Object> task(String label, Holdout h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", label);
        m.putAll(h.describe());
        return m;
    }

    static Path workDir(Path out) {
        try {
            Path w = out.resolve(".work");
            Files.createDirectories(w);
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out.resolve(".work") + ": " + e.getMessage(), e);
        }
    }

    static void deleteQuietly(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (var s = Files.list(p)) {
                    for (Path c : s.toList()) Files.deleteIfExists(c);
                }
            }
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temporary file is harmless; the corpus itself is complete
        }
    }
}
