package org.permerge.audio.corpus;

import org.permerge.audio.Manifest;
import org.permerge.checkpoint.Provenance;
import org.permerge.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
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

    /** The manifest's file name inside a corpus folder. */
    public static final String MANIFEST = "manifest.jsonl";
    /** How every clip is stored (16-bit PCM WAV), recorded as the corpus's precision. */
    static final String CLIP_FORMAT = "PCM_S16";

    private Corpora() {}

    /**
     * Builds a corpus as a unit: into a hidden sibling of the output folder, renamed into place only when the manifest
     * is written ({@link AtomicFiles#replaceFolder}), so an interrupted or failed build leaves the folder as it was
     * (absent, or the earlier corpus) and the next build starts clean. An existing folder must be empty or an earlier
     * corpus (it has a manifest.jsonl); it is replaced as a whole, so no stale clip survives.
     */
    public static Manifest build(Domain domain, CorpusOptions options, IntConsumer progress) {
        return build(domain, options, progress, null);
    }

    /**
     * Builds a corpus as {@link #build(Domain, CorpusOptions, IntConsumer)} does, with the run's provenance (completed
     * with the corpus's seed, sizes, threads and manifest checksum) written into the folder as {@value Provenance#FILE}
     * in the same unit; {@code run} null writes none.
     */
    public static Manifest build(Domain domain, CorpusOptions options, IntConsumer progress, Provenance run) {
        // check the tools before any work
        switch (domain) {
            case SPEECH -> SpeechCorpus.requireTools();
            case MUSIC -> MusicCorpus.requireTools();
        }
        Path out = options.out().toAbsolutePath().normalize();
        requireCorpusOrEmpty(out);
        AtomicFiles.replaceFolder(out, dir -> {
            Files.createDirectories(dir.resolve("clips"));
            CorpusOptions inside = options.withOut(dir);
            Manifest built = switch (domain) {
                case SPEECH -> SpeechCorpus.build(inside, progress);
                case MUSIC -> MusicCorpus.build(inside, progress);
            };
            if (run != null) {
                run.withSeed("corpus", options.seed()).withThreads(options.threads()).withPrecision(CLIP_FORMAT)
                        .withData("corpus", MANIFEST, built.checksum())
                        .withStep("corpus", Map.of("domain", domain.key(), "clips", Integer.toString(options.clips()),
                                "calibration_clips", Integer.toString(options.calibrationClips())))
                        .finished().write(dir.resolve(Provenance.FILE));
            }
        });
        // Read where it now lies, so the clips' audio root is the output folder and not the building one.
        return Manifest.read(out.resolve(MANIFEST));
    }

    private static void requireCorpusOrEmpty(Path out) {
        if (!Files.isDirectory(out)) return;
        boolean empty;
        try (var s = Files.list(out)) {
            empty = s.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + out + ": " + e.getMessage(), e);
        }
        if (!empty && !Files.exists(out.resolve(MANIFEST))) {
            throw new IllegalArgumentException(out + " is not empty and holds no corpus (no " + MANIFEST + "): "
                    + "choose an empty or new folder");
        }
    }
}
