package org.permerge.audio.corpus;

import org.permerge.audio.ExternalTool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The versions of the synthesisers and data packages a corpus was made with, for its manifest header. */
final class ToolVersions {
    private ToolVersions() {}

    /** espeak-ng's version line without its data path (which differs between machines, not outputs). */
    static String espeak() {
        String v = ExternalTool.ESPEAK_NG.version("--version");
        int at = v.indexOf("Data at");
        return (at < 0 ? v : v.substring(0, at)).strip();
    }

    static String fluidsynth() {
        return ExternalTool.FLUIDSYNTH.version("--version");
    }

    /**
     * The installed Debian package version, or a note saying why it is unknown. Only stdout is read: dpkg-query
     * prints warnings on stderr while another apt/dpkg run holds its database, and a warning must not change
     * the manifest (its checksum is compared across runs).
     */
    static String debianPackage(String name) {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", name)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? out : "not installed as a Debian package";
        } catch (IOException e) {
            return "unknown (no dpkg-query)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        }
    }

}
