package org.permerge.audio.corpus;

import org.permerge.audio.Manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntConsumer;

/** Entry point for building either corpus into a folder, replacing an earlier build there. */
public final class Corpora {
    /** The two corpora of the mini world. */
    public enum Domain {
        SPEECH(1), MUSIC(2);

        private final long defaultSeed;

        Domain(long defaultSeed) {
            this.defaultSeed = defaultSeed;
        }

        /** The seed the committed manifests and the mini study use (the two corpora differ in seed). */
        public long defaultSeed() {
            return defaultSeed;
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Domain parse(String s) {
            for (Domain d : values()) if (d.key().equalsIgnoreCase(s)) return d;
            throw new IllegalArgumentException("unknown domain '" + s + "' (expected speech or music)");
        }
    }

    private Corpora() {}

    /**
     * Builds a corpus. An existing folder must be empty or an earlier corpus (it has a manifest.jsonl): its clips
     * are removed first so no stale file survives.
     */
    public static Manifest build(Domain domain, CorpusOptions options, IntConsumer progress) {
        // check the tools before anything in the output folder is removed
        switch (domain) {
            case SPEECH -> SpeechCorpus.requireTools();
            case MUSIC -> MusicCorpus.requireTools();
        }
        prepare(options.out());
        return switch (domain) {
            case SPEECH -> SpeechCorpus.build(options, progress);
            case MUSIC -> MusicCorpus.build(options, progress);
        };
    }

    private static void prepare(Path out) {
        try {
            if (Files.isDirectory(out)) {
                boolean empty;
                try (var s = Files.list(out)) {
                    empty = s.findAny().isEmpty();
                }
                if (!empty && !Files.exists(out.resolve("manifest.jsonl"))) {
                    throw new IllegalArgumentException(out + " is not empty and holds no corpus (no manifest.jsonl): "
                            + "choose an empty or new folder");
                }
                Files.deleteIfExists(out.resolve("manifest.jsonl"));
                CorpusFiles.deleteQuietly(out.resolve("clips"));
                CorpusFiles.deleteQuietly(out.resolve(".work"));
            }
            Files.createDirectories(out.resolve("clips"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + out + ": " + e.getMessage(), e);
        }
    }
}
