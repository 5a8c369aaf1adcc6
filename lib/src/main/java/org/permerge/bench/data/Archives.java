package org.permerge.bench.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks tar, tar.gz and zip archives into a folder. Entries that would land outside it ("../", absolute
 * paths) are refused; links, devices and FIFOs are skipped with a note (they are never needed for audio data, and
 * a link could later redirect a write); a symbolic link already in the destination is never followed. The files
 * appear only once the whole archive unpacked (it is unpacked into a temporary sibling folder first), so an
 * interrupted run leaves no half-unpacked tree behind.
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
            if (Files.isSymbolicLink(dest)) {
                throw new IOException("the destination " + dest + " is a symbolic link; unpacking does not follow links");
            }
            Files.createDirectories(dest);
            tmp = Files.createTempDirectory(dest, ".unpacking-");
            List<String> skipped = new ArrayList<>();
            int n = switch (format) {
                case "tar.gz" -> untar(new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16), 1 << 16), tmp, archive, skipped);
                case "tar" -> untar(new BufferedInputStream(Files.newInputStream(archive), 1 << 16), tmp, archive, skipped);
                case "zip" -> unzip(archive, tmp);
                default -> throw new IllegalArgumentException("cannot unpack " + archive + ": unknown format '" + format
                        + "' (expected tar.gz, tar or zip)");
            };
            moveInto(tmp, dest);
            if (!skipped.isEmpty()) {
                System.err.println("note: " + archive.getFileName() + ": skipped " + skipped.size()
                        + " entries that are links, devices or FIFOs (only files and folders are unpacked), e.g. "
                        + skipped.subList(0, Math.min(3, skipped.size())));
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + archive + " (" + format + ") into " + dest + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    private static int untar(InputStream raw, Path dest, Path archive, List<String> skipped) throws IOException {
        int n = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path target = inside(dest, e.getName(), archive);
                // The type comes first: commons-compress also answers isFile() for links, devices and FIFOs.
                String kind = e.isSymbolicLink() ? "symbolic link to " + e.getLinkName()
                        : e.isLink() ? "hard link to " + e.getLinkName()
                        : e.isCharacterDevice() ? "character device"
                        : e.isBlockDevice() ? "block device"
                        : e.isFIFO() ? "FIFO" : null;
                if (kind != null) {
                    skipped.add(e.getName() + " (" + kind + ")");
                } else if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    n++;
                } else {
                    skipped.add(e.getName() + " (tar type '" + (char) e.getLinkFlag() + "')");
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
                    // java.util.zip ignores the unix mode bits: a zip "symlink" arrives as a small regular file.
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

    /** Moves the unpacked tree into place, never through a symbolic link that is already in the destination. */
    private static void moveInto(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.sorted().toList()) {
                Path target = to.resolve(p.getFileName().toString());
                if (Files.isSymbolicLink(target)) {
                    throw new IOException(target + " is a symbolic link; unpacking does not write through links (remove it and retry)");
                }
                boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                if (dir && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    moveInto(p, target);
                } else {
                    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) deleteTree(target);
                    Files.move(p, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    /**
     * Refuses a destination reached through a symbolic link below {@code base}: each folder from {@code base} (which
     * may itself be a link the user chose) down to {@code dest} must be a real folder or not exist yet.
     */
    static void refuseLinksBelow(Path base, Path dest) {
        Path b = base.toAbsolutePath().normalize();
        Path d = dest.toAbsolutePath().normalize();
        if (!d.startsWith(b)) throw new IllegalArgumentException(dest + " is not inside " + base);
        Path p = b;
        for (Path part : b.relativize(d)) {
            if (part.toString().isEmpty()) continue;
            p = p.resolve(part);
            if (Files.isSymbolicLink(p)) {
                throw new IllegalStateException(p + " is a symbolic link; datasets are unpacked only into real folders (remove it and retry)");
            }
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
