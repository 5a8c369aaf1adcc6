package org.permerge.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile tar archives: links, devices and FIFOs are not unpacked, and links already in the destination are not followed. */
class ArchivesTest {
    private static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    private static void special(TarArchiveOutputStream tar, String name, byte flag, String linkName) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, flag);
        if (linkName != null) e.setLinkName(linkName);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    @Test
    void linksDevicesAndFifosAreSkippedNotTurnedIntoFiles(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            file(tar, "audio/a.wav", "AAAA");
            special(tar, "audio/hard.wav", TarConstants.LF_LINK, "audio/a.wav");
            special(tar, "audio/soft.wav", TarConstants.LF_SYMLINK, "/etc/passwd");
            special(tar, "audio/fifo", TarConstants.LF_FIFO, null);
            special(tar, "audio/zero", TarConstants.LF_CHR, null);
            special(tar, "audio/disk", TarConstants.LF_BLK, null);
        }
        Path archive = tmp.resolve("x.tar");
        Files.write(archive, bytes.toByteArray());
        // Precondition the fix rests on: commons-compress calls a hard link a file, so isFile() alone cannot tell.
        assertTrue(new TarArchiveEntry("h", TarConstants.LF_LINK).isFile(), "commons-compress reports a hard link as a file");
        Path dest = tmp.resolve("d");
        assertEquals(1, Archives.unpack(archive, "tar", dest));
        assertEquals("AAAA", Files.readString(dest.resolve("audio/a.wav")));
        for (String skipped : new String[] {"hard.wav", "soft.wav", "fifo", "zero", "disk"}) {
            assertFalse(Files.exists(dest.resolve("audio").resolve(skipped), LinkOption.NOFOLLOW_LINKS), skipped + " was not unpacked");
        }
    }

    @Test
    void aSymlinkAlreadyInTheDestinationIsNotFollowed(@TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path dest = Files.createDirectories(tmp.resolve("d"));
        Files.createSymbolicLink(dest.resolve("audio"), outside);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            file(tar, "audio/planted.txt", "x");
        }
        Path archive = tmp.resolve("x.tar");
        Files.write(archive, bytes.toByteArray());
        Exception e = assertThrows(RuntimeException.class, () -> Archives.unpack(archive, "tar", dest));
        assertTrue(e.getMessage().contains("symbolic link") && e.getMessage().contains("audio"), e.getMessage());
        assertFalse(Files.exists(outside.resolve("planted.txt")), "nothing was written through the link");
        try (var s = Files.list(dest)) {
            assertEquals(1, s.count(), "no temporary folder left behind");
        }

        // A destination reached through a link below the dataset root is refused too.
        Exception e2 = assertThrows(RuntimeException.class, () -> Archives.refuseLinksBelow(tmp, dest.resolve("audio").resolve("x")));
        assertTrue(e2.getMessage().contains("symbolic link"), e2.getMessage());
        Exception e3 = assertThrows(RuntimeException.class, () -> Archives.unpack(archive, "tar", dest.resolve("audio")));
        assertTrue(e3.getMessage().contains("symbolic link"), e3.getMessage());
        assertFalse(Files.exists(outside.resolve("planted.txt")));
    }
}
