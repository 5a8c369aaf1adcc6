package org.permerge.cli;

import org.permerge.checkpoint.ModelReference;

import java.io.IOException;
import java.io.UncheckedIOException;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checks a command's output path before any work: it must not be, contain or lie inside one of the command's inputs
 * (so {@code merge --out} equal to {@code --a}, or {@code stats --out} equal to the calibration manifest, is refused
 * instead of destroying the input), must not contain the working folder, and must not replace an existing file or a
 * non-empty folder unless {@code --force} is given. Paths are compared after resolving symbolic links.
 */
final class OutputPaths {
    private final Map<String, Path> inputs = new LinkedHashMap<>();

    /** Names an input (by its option, e.g. {@code --a}); null paths are ignored. */
    OutputPaths input(String option, Path path) {
        if (path != null && !path.toString().isBlank()) inputs.put(option, path);
        return this;
    }

    /**
     * Registers a model reference (folder, weights file or hub id) as an input: where it resolves to, so an output
     * cannot land in the folder a hub id names either. One that does not resolve is left to the command to report.
     */
    OutputPaths model(String option, String reference) {
        if (reference == null || reference.isBlank()) return this;
        try {
            return input(option, ModelReference.resolve(reference));
        } catch (RuntimeException e) {
            return ModelReference.isHubId(reference) ? this : input(option, Path.of(reference));
        }
    }

    /** Checks an output folder; returns it. */
    Path folder(String option, Path out, boolean force) {
        check(option, out);
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException(option + " " + out + " exists and is not a folder; choose a folder path");
        }
        if (Files.isDirectory(out) && !force) {
            try (Stream<Path> s = Files.list(out)) {
                var some = s.limit(3).map(p -> p.getFileName().toString()).toList();
                if (!some.isEmpty()) {
                    throw new IllegalArgumentException(option + " " + out + " is not empty (holds " + String.join(", ", some)
                            + (some.size() == 3 ? ", ..." : "") + "); choose a new folder, or pass --force to replace it as a whole");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + out + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Checks an output file; returns it. */
    Path file(String option, Path out, boolean force) {
        check(option, out);
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException(option + " " + out + " is a folder; give a file path");
        }
        if (Files.exists(out, LinkOption.NOFOLLOW_LINKS) && !force) {
            throw new IllegalArgumentException(option + " " + out + " exists; choose another file, or pass --force to replace it");
        }
        return out;
    }

    private void check(String option, Path out) {
        if (out == null || out.toString().isBlank()) {
            throw new IllegalArgumentException(option + " is empty: give the path to write");
        }
        Path o = real(out);
        Path cwd = real(Path.of(""));
        if (cwd.startsWith(o)) {
            throw new IllegalArgumentException(option + " " + out + " is " + (cwd.equals(o) ? "" : "above ") + "the working folder "
                    + cwd + "; writing it would replace the folder you work in: choose a folder of its own");
        }
        for (Map.Entry<String, Path> in : inputs.entrySet()) {
            Path i = real(in.getValue());
            String how = o.equals(i) ? "is" : o.startsWith(i) ? "lies inside" : i.startsWith(o) ? "contains" : null;
            if (how != null) {
                throw new IllegalArgumentException(option + " " + out + " " + how + " the input " + in.getKey() + " " + in.getValue()
                        + "; writing it would overwrite that input: choose an output elsewhere");
            }
        }
    }

    /** The absolute path with every symbolic link in its existing part resolved. */
    static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }
}
