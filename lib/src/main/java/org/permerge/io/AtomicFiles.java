package org.permerge.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes files and folders so that readers see either the old version or the complete new one, never a
 * half-written one.
 */
public final class AtomicFiles {
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private AtomicFiles() {}

    /** Writes through a temporary file in the target's folder, then moves it over the target. */
    public static void write(Path target, StreamWriter body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            // Not Files.createTempFile: that makes the file 0600, and the result should get the
            // usual umask permissions like any other file the user writes.
            tmp = dir.resolve("." + abs.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".partial");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE), 1 << 20)) {
                body.writeTo(out);
            }
            move(tmp, abs);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more than a leftover temporary file
                }
            }
        }
    }

    /** Writes a string as UTF-8, atomically. */
    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Moves a finished temporary file into place, atomically where the file system allows. */
    public static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Functional body that writes to a stream. */
    @FunctionalInterface
    public interface StreamWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** What fills a folder being built by {@link #replaceFolder}. */
    @FunctionalInterface
    public interface FolderBody {
        void writeTo(Path folder) throws IOException;
    }

    /**
     * Builds a folder as a unit: {@code body} writes into a fresh hidden sibling {@code .<name>.<random>.building};
     * only when it returns is that renamed into place, replacing the folder (or file) there, which is deleted after.
     * A run that fails leaves the old folder as it was and no sibling; one that is killed leaves the old folder and
     * a hidden sibling, which the next build of the same folder removes. The swap is two renames in one folder, so a
     * kill in the instant between them leaves the old version in a hidden {@code .replaced} sibling instead.
     */
    public static void replaceFolder(Path target, FolderBody body) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) throw new IllegalArgumentException("cannot replace the file-system root " + target);
        String name = abs.getFileName().toString();
        Path building = parent.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".building");
        try {
            Files.createDirectories(parent);
            removeLeftovers(parent, name);
            Files.createDirectory(building);
            body.writeTo(building);
            Path replaced = null;
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                replaced = parent.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".replaced");
                Files.move(abs, replaced, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(building, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (replaced != null) Files.move(replaced, abs, StandardCopyOption.ATOMIC_MOVE);
                throw e;
            }
            if (replaced != null) deleteTree(replaced);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the folder " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                deleteTree(building);
            } catch (IOException ignored) {
                // the original error matters more than a leftover temporary folder
            }
        }
    }

    private static void removeLeftovers(Path parent, String name) throws IOException {
        String prefix = "." + name + ".";
        try (Stream<Path> s = Files.list(parent)) {
            for (Path p : s.toList()) {
                String f = p.getFileName().toString();
                if (f.startsWith(prefix) && (f.endsWith(".building") || f.endsWith(".replaced"))
                        && f.substring(prefix.length(), f.lastIndexOf('.')).matches("[0-9a-z]+")) {
                    deleteTree(p);
                }
            }
        }
    }

    /** Deletes a file or folder tree without following links (a link is removed, not its target). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
