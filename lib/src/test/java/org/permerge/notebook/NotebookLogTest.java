package org.permerge.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NotebookLogTest {

    @AfterEach
    void console() {
        Show.use(new KernelDisplay.Console(System.out));
    }

    @Test
    void stderrBecomesOneStatusLineAndAKeptLog() {
        RecordingSink sink = new RecordingSink();
        Show.use(sink);
        PrintStream before = System.err;
        int result = NotebookLog.run("study", () -> {
            System.err.println("permerge: generating <speech> corpus");
            System.err.print("extract 10%\r");
            System.err.print("extract 50%\r");
            System.err.println("permerge: A  pitch  91.0 %");
            return 7;
        });
        assertEquals(7, result);
        assertSame(before, System.err);
        // one status line, updated in place: the first show, then only updates, then the log block
        assertFalse(sink.log.get(0).update());
        String statusId = sink.log.get(0).id();
        var updates = sink.log.subList(1, sink.log.size() - 1);
        assertTrue(updates.stream().allMatch(s -> s.update() && s.id().equals(statusId)), sink.log.toString());
        assertTrue(updates.stream().anyMatch(s -> s.content().contains("extract 50%")));
        assertTrue(updates.get(updates.size() - 1).content().contains("done in"));
        var kept = sink.log.get(sink.log.size() - 1);
        assertFalse(kept.update());
        assertTrue(kept.content().contains("&lt;speech&gt;") && kept.content().contains("pitch  91.0 %"), kept.content());
        assertFalse(kept.content().contains("extract 10%"), "a redrawn bar is not a log line");
    }

    @Test
    void aQuietCallShowsNothing() {
        RecordingSink sink = new RecordingSink();
        Show.use(sink);
        assertEquals(3, NotebookLog.run("study", () -> 3));
        assertTrue(sink.log.isEmpty(), sink.log.toString());
    }

    @Test
    void aFailureRestoresStderrAndLeavesTheLogOpen() {
        RecordingSink sink = new RecordingSink();
        Show.use(sink);
        PrintStream before = System.err;
        var e = assertThrows(IllegalStateException.class, () -> NotebookLog.run("study", () -> {
            System.err.println("permerge: the last thing it said");
            throw new IllegalStateException("boom");
        }));
        assertEquals("boom", e.getMessage());
        assertSame(before, System.err);
        var kept = sink.log.get(sink.log.size() - 1);
        assertTrue(kept.content().startsWith("<details class=\"permerge-log\" open>") && kept.content().contains("the last thing it said"));
    }

    @Test
    void onATerminalStderrIsLeftAlone() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Show.use(new KernelDisplay.Console(new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        PrintStream before = System.err;
        assertEquals("x", NotebookLog.run("study", () -> {
            assertSame(before, System.err);
            return "x";
        }));
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theHeaderTakesTheStudyFileOverThePreset() {
        assertEquals("ci", StudyHeader.config(Parameters.Preset.CI, null).name());
        assertThrows(IllegalArgumentException.class, () -> StudyHeader.config(null, null));
    }
}
