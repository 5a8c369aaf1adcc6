package org.permerge.bench.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks tar, tar.gz and zip archives into a folder. Entries that would land outside it ("../", absolute
 * paths, links) are refused; the files appear only once the whole archive unpacked (it is unpacked into a
 * temporary sibling folder first), so an interrupted run leaves no half-unpacked tree behind.
 */
public final class Archives {
    private Archives() {}

    /**
     * Unpacks {@code archive} of the given format ({@code tar.gz}, {@code tar}, {@code zip}) into {@code dest},
     * merging with what is there. Returns the number of files written.
     */
    public static int unpack(Path archive, String format, Path dest) {
        Path tmp = null;
        try {
            Files.createDirectories(dest);
            tmp = Files.createTempDirectory(dest, ".unpacking-");
            int n = switch (format) {
                case "tar.gz" -> untar(new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16), 1 << 16), tmp, archive);
                case "tar" -> untar(new BufferedInputStream(Files.newInputStream(archive), 1 << 16), tmp, archive);
                case "zip" -> unzip(archive, tmp);
                default -> throw new IllegalArgumentException("cannot unpack " + archive + ": unknown format '" + format
                        + "' (expected tar.gz, tar or zip)");
            };
            moveInto(tmp, dest);
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + archive + " (" + format + ") into " + dest + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    private static int untar(InputStream raw, Path dest, Path archive) throws IOException {
        int n = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path target = inside(dest, e.getName(), archive);
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    n++;
                } else if (e.isSymbolicLink() || e.isLink()) {
                    throw new IOException("archive entry " + e.getName() + " is a link; links are not unpacked");
                }
            }
        }
        return n;
    }

    private static int unzip(Path archive, Path dest) throws IOException {
        int n = 0;
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            var entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                Path target = inside(dest, e.getName(), archive);
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    try (InputStream in = zip.getInputStream(e)) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                    n++;
                }
            }
        }
        return n;
    }

    private static Path inside(Path dest, String entry, Path archive) throws IOException {
        Path target = dest.resolve(entry).normalize();
        if (entry.startsWith("/") || !target.startsWith(dest)) {
            throw new IOException("archive " + archive + " has entry '" + entry + "' outside the destination folder; refused");
        }
        return target;
    }

    private static void moveInto(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(p.getFileName().toString());
                if (Files.isDirectory(p) && Files.isDirectory(target)) {
                    moveInto(p, target);
                } else {
                    if (Files.isDirectory(target)) deleteTree(target);
                    Files.move(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
