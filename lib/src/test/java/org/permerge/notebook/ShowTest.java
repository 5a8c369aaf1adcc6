package org.permerge.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.permerge.io.PlotlyJs;
import org.permerge.io.Progress;
import org.permerge.io.PlotlyJsTest;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

class ShowTest {

    @AfterEach
    void backToConsole() {
        Show.use(new KernelDisplay.Console(System.out));
    }

    @Test
    void plotlyGoesIntoThePageWithTheFirstFigureOnly() {
        RecordingSink sink = new RecordingSink();
        Show.use(sink);
        Show.figure(PlotlyJsTest.figure("a"));
        Show.figure(PlotlyJsTest.figure("b"));
        assertEquals(2, sink.log.size());
        assertTrue(sink.log.get(0).content().contains("plotly.js " + PlotlyJs.VERSION));
        assertFalse(sink.log.get(1).content().contains("plotly.js " + PlotlyJs.VERSION));
        assertTrue(sink.log.get(1).content().contains("title: 'b'"));
        // a new session (another sink) gets the library again
        RecordingSink next = new RecordingSink();
        Show.use(next);
        Show.figure(PlotlyJsTest.figure("c"));
        assertTrue(next.log.get(0).content().contains("plotly.js " + PlotlyJs.VERSION));
    }

    @Test
    void markdownTextAndTablesKeepTheirMimeTypes() {
        RecordingSink sink = new RecordingSink();
        Show.use(sink);
        Show.markdown("**max |Δ output|** = 1e-6");
        Show.text("plain");
        Show.table(Table.create("t", IntColumn.create("n", 1, 2, 3)), 2);
        assertEquals(List.of("text/markdown", "text/plain", "text/html"),
                sink.log.stream().map(RecordingSink.Shown::mime).toList());
        assertEquals("**max |Δ output|** = 1e-6", sink.log.get(0).content());
        assertTrue(sink.log.get(2).content().contains("1 more rows of 3 not shown"));
    }

    @Test
    void consoleGetsTextForms() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Show.use(new KernelDisplay.Console(new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        Show.table(Table.create("counts", IntColumn.create("n", 7, 8)));
        Show.figure(PlotlyJsTest.figure("curve"));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("counts"), out);
        assertTrue(out.contains("[figure: curve, 1 trace(s)]"), out);
        assertFalse(out.contains("<script"), out);
    }

    @Test
    void progressRedrawsOneOutputInPlace() {
        RecordingSink sink = new RecordingSink();
        Show.use(sink);
        try (ProgressBar bar = NotebookProgress.bar("extract", 5)) {
            for (int i = 0; i < 5; i++) {
                bar.step();
                bar.refresh();
            }
        }
        List<RecordingSink.Shown> log = sink.log;
        assertFalse(log.isEmpty());
        assertFalse(log.get(0).update());
        String id = log.get(0).id();
        for (RecordingSink.Shown s : log.subList(1, log.size())) {
            assertTrue(s.update(), "later frames must update the first output");
            assertEquals(id, s.id());
        }
        String lastFrame = log.get(log.size() - 1).content();
        assertTrue(lastFrame.contains("100%") && lastFrame.contains("5/5"), lastFrame);
        assertFalse(lastFrame.contains("\u001B"), "ANSI escapes leaked into HTML");
    }

    @Test
    void lowerLayersFindTheNotebookProgressThroughTheServiceLoader() {
        Progress standard = Progress.standard();
        assertInstanceOf(NotebookProgress.Display.class, standard);
        RecordingSink sink = new RecordingSink();
        Show.use(sink);
        try (ProgressBar bar = standard.start("extract", 2)) {
            bar.stepBy(2);
            bar.refresh();
        }
        assertFalse(sink.log.isEmpty(), "the bar must draw into the notebook");
        assertTrue(sink.log.get(0).content().contains("permerge-progress"), sink.log.get(0).content());
    }
}
