package org.permerge.audio;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ExternalToolTest {
    @Test
    void missingToolNamesTheDebianPackage() {
        ExternalTool t = new ExternalTool("permerge-no-such-tool", "some-debian-package");
        assertFalse(t.available());
        String m = assertThrows(IllegalStateException.class, t::require).getMessage();
        assertTrue(m.contains("permerge-no-such-tool") && m.contains("apt-get install some-debian-package"), m);
    }

    @Test
    void failingRunReportsExitCodeAndErrorOutput() {
        String m = assertThrows(IllegalStateException.class,
                () -> ExternalTool.SOX.run(List.of("/nonexistent/in.wav", "/tmp/out.wav"), null)).getMessage();
        assertTrue(m.contains("exit code") && m.contains("in.wav"), m);
    }

    @Test
    void versionsAreReadFromTheTools() {
        assertTrue(ExternalTool.SOX.version("--version").contains("SoX"));
        assertTrue(ExternalTool.ESPEAK_NG.version("--version").contains("eSpeak NG"));
    }
}
