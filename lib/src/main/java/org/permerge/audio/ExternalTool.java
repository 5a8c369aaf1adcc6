package org.permerge.audio;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A command-line program the corpora are made with (espeak-ng, fluidsynth, sox): finds it on the PATH, names the
 * Debian package to install when it is missing, and runs it, failing with its own error output.
 *
 * @param command       the executable's name
 * @param debianPackage the package that provides it
 */
public record ExternalTool(String command, String debianPackage) {
    public static final ExternalTool ESPEAK_NG = new ExternalTool("espeak-ng", "espeak-ng");
    public static final ExternalTool FLUIDSYNTH = new ExternalTool("fluidsynth", "fluidsynth");
    public static final ExternalTool SOX = new ExternalTool("sox", "sox");

    /** The executable's path; throws, naming the Debian package, when it is not installed. */
    public Path require() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) continue;
                Path p = Path.of(dir, command);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
            }
        }
        throw new IllegalStateException(command + " not found on PATH: install the Debian package '" + debianPackage
                + "' (sudo apt-get install " + debianPackage + ", or sudo bash environment/setup.sh --audio)");
    }

    public boolean available() {
        try {
            require();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Runs the tool with the given arguments and returns its standard output; a non-zero exit throws. */
    public String run(List<String> args, Path workDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(require().toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (workDir != null) pb.directory(workDir.toFile());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
            String out = drain(p.getInputStream());
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException(command + " failed with exit code " + rc + ": " + String.join(" ", cmd)
                        + "\n" + err.join().strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /** The first line the tool prints for {@code versionFlag}, recorded in manifests as the tool version. */
    public String version(String versionFlag) {
        String out = run(List.of(versionFlag), null).strip();
        int nl = out.indexOf('\n');
        return nl < 0 ? out : out.substring(0, nl).strip();
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
