package org.permerge.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

import static org.junit.jupiter.api.Assertions.*;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporary() throws Exception {
        Path target = tmp.resolve("a.txt");
        AtomicFiles.writeString(target, "old");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(target));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void writtenFileIsReadableByOthersLikeAnyUserFile() throws Exception {
        Path target = tmp.resolve("b.txt");
        AtomicFiles.writeString(target, "x");
        Path plain = Files.writeString(tmp.resolve("plain.txt"), "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(target));
        assertTrue(Files.getPosixFilePermissions(target).contains(PosixFilePermission.OWNER_READ));
    }

    @Test
    void aFolderIsReplacedAsAUnitOrNotAtAll() throws Exception {
        Path dir = tmp.resolve("model");
        AtomicFiles.replaceFolder(dir, d -> {
            Files.writeString(d.resolve("model.safetensors"), "weights 1");
            Files.writeString(d.resolve("config.json"), "config 1");
            Files.writeString(d.resolve("extra.txt"), "only in run 1");
        });
        // A run that dies after writing new weights leaves the old folder whole, and no sibling.
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.replaceFolder(dir, d -> {
            Files.writeString(d.resolve("model.safetensors"), "weights 2");
            throw new IOException("killed");
        }));
        assertEquals("weights 1", Files.readString(dir.resolve("model.safetensors")));
        assertEquals("config 1", Files.readString(dir.resolve("config.json")));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count());
        }
        // A leftover of a killed run (a hidden sibling) is removed by the next build; the new folder holds only its own files.
        Files.createDirectories(tmp.resolve(".model.abc123.building"));
        AtomicFiles.replaceFolder(dir, d -> {
            Files.writeString(d.resolve("model.safetensors"), "weights 3");
            Files.writeString(d.resolve("config.json"), "config 3");
        });
        assertEquals("weights 3", Files.readString(dir.resolve("model.safetensors")));
        assertEquals("config 3", Files.readString(dir.resolve("config.json")));
        assertFalse(Files.exists(dir.resolve("extra.txt")));
        try (var files = Files.list(tmp)) {
            assertEquals(java.util.List.of(dir), files.toList());
        }
    }
}
