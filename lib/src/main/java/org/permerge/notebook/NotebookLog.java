package org.permerge.notebook;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs a long library call in a notebook with what it writes on stderr (log lines, terminal progress bars) drawn
 * as one status line updated in place, and the whole log kept in a collapsed block afterwards, instead of the red
 * stderr block a kernel draws (which reads as an error). Results are the caller's to show, as tables. On a
 * terminal (no notebook) stderr is left alone.
 */
public final class NotebookLog {
    private NotebookLog() {}

    /** {@code body()} with its stderr shown as {@code task}'s status line; the log is kept below when it ends. */
    public static <T> T run(String task, Supplier<T> body) {
        DisplaySink sink = Show.sink();
        if (!sink.rich()) {
            return body.get();
        }
        Lines lines = new Lines(sink, task);
        PrintStream before = System.err;
        long t0 = System.nanoTime();
        boolean ok = false;
        try (PrintStream capture = new PrintStream(lines, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            T result = body.get();
            ok = true;
            return result;
        } finally {
            System.setErr(before);
            lines.finish(ok, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Splits what is written into lines; a carriage return (a terminal bar redrawing) replaces the current line. */
    private static final class Lines extends OutputStream {
        private final DisplaySink sink;
        private final String task;
        private final List<String> log = new ArrayList<>();
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();
        private String id;
        private String shown;

        Lines(DisplaySink sink, String task) {
            this.sink = sink;
            this.task = task;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                String line = text();
                current.reset();
                if (!line.isBlank()) {
                    log.add(line);
                    status(line);
                }
            } else if (b == '\r') {
                String line = text();
                current.reset();
                if (!line.isBlank()) status(line);
            } else {
                current.write(b);
            }
        }

        private String text() {
            return NotebookProgress.ANSI.matcher(current.toString(StandardCharsets.UTF_8)).replaceAll("").stripTrailing();
        }

        private void status(String line) {
            String html = "<pre class=\"permerge-progress\" style=\"margin: 0;\">" + HtmlTable.escape(task + ": " + line) + "</pre>";
            if (html.equals(shown)) return;
            shown = html;
            if (id == null) {
                id = sink.show("text/html", html);
            } else {
                sink.update(id, "text/html", html);
            }
        }

        synchronized void finish(boolean ok, double seconds) {
            if (current.size() > 0) {
                String line = text();
                current.reset();
                if (!line.isBlank()) log.add(line);
            }
            if (id == null && ok) {
                return;  // a call that said nothing leaves nothing behind
            }
            status(String.format(java.util.Locale.ROOT, "%s in %.0f s (%d log lines)", ok ? "done" : "stopped", seconds, log.size()));
            if (!log.isEmpty()) {
                sink.show("text/html", "<details class=\"permerge-log\"" + (ok ? "" : " open") + "><summary>" + HtmlTable.escape(task)
                        + " log</summary><pre style=\"margin: 0;\">" + HtmlTable.escape(String.join("\n", log)) + "</pre></details>");
            }
        }
    }
}
