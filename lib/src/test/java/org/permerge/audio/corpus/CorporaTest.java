package org.permerge.audio.corpus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** A corpus build that fails midway leaves nothing half-written behind, and the next build succeeds. */
class CorporaTest {
    @TempDir
    Path tmp;

    /** Progress that fails once {@code after} clips are done: a clip that throws midway through the build. */
    private static IntConsumer failingAfter(int after) {
        AtomicInteger done = new AtomicInteger();
        return n -> {
            if (done.addAndGet(n) > after) throw new IllegalStateException("simulated failure at clip " + done.get());
        };
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedBuildLeavesNothingAtTheTargetAndARerunSucceeds() throws IOException {
        Path out = tmp.resolve("speech");
        CorpusOptions options = new CorpusOptions(out, 6, 8, 1, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Corpora.build(Corpora.Domain.SPEECH, options, failingAfter(3)));
        assertTrue(e.getMessage().contains("simulated failure"), e.getMessage());
        assertFalse(Files.exists(out), "no half-written corpus at the target");
        assertEquals(List.of(), entries(), "no building sibling left behind");

        Manifest m = Corpora.build(Corpora.Domain.SPEECH, options, n -> {});
        assertEquals(9, m.size());
        assertEquals(out.toAbsolutePath().normalize(), m.audioRoot(), "clips resolve in the output folder, not the building one");
        m.verify();
        assertEquals(List.of("speech"), entries());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of("clips", Corpora.MANIFEST), s.map(p -> p.getFileName().toString()).sorted().toList());
        }

        // A failed rebuild over a finished corpus keeps the earlier corpus whole.
        byte[] before = Files.readAllBytes(out.resolve(Corpora.MANIFEST));
        assertThrows(IllegalStateException.class,
                () -> Corpora.build(Corpora.Domain.SPEECH, options.withOut(out).withClips(8), failingAfter(5)));
        assertArrayEquals(before, Files.readAllBytes(out.resolve(Corpora.MANIFEST)));
        Manifest.read(out.resolve(Corpora.MANIFEST)).verify();
        assertEquals(List.of("speech"), entries());
    }

    @Test
    void aFolderThatHoldsNoCorpusIsRefusedUntouched() throws IOException {
        Path out = tmp.resolve("mine");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "keep");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Corpora.build(Corpora.Domain.SPEECH, new CorpusOptions(out, 6, 8, 1, 2), n -> {}));
        assertTrue(e.getMessage().contains("holds no corpus"), e.getMessage());
        assertEquals("keep", Files.readString(out.resolve("notes.txt")));
    }
}
