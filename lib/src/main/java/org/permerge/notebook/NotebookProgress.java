package org.permerge.notebook;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.io.Progress;

/**
 * A me.tongfei progress bar that, in a notebook, redraws one output line in place instead of writing
 * carriage returns to stderr; on a terminal it is the library's usual console bar.
 */
public final class NotebookProgress implements ProgressBarConsumer {

    static final java.util.regex.Pattern ANSI = java.util.regex.Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");

    private final DisplaySink sink;
    private final int width;
    private String id;
    private String last;
    private boolean closed;

    /** A consumer that draws into {@code sink} (which must be able to update what it showed). */
    public NotebookProgress(DisplaySink sink, int width) {
        if (width < 20) {
            throw new IllegalArgumentException("progress bar width must be >= 20 characters, got " + width);
        }
        this.sink = sink;
        this.width = width;
    }

    /**
     * A progress bar builder for {@code task} over {@code max} steps: drawn in the notebook when there is
     * one, on the terminal otherwise. Callers add units or speed as they like, then {@code build()}.
     */
    public static ProgressBarBuilder builder(String task, long max) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max);
        DisplaySink s = Show.sink();
        if (s.rich()) {
            b.setConsumer(new NotebookProgress(s, 100)).setStyle(ProgressBarStyle.UNICODE_BLOCK).setUpdateIntervalMillis(250);
        }
        return b;
    }

    /** {@link #builder}{@code .build()}: a bar for {@code task} over {@code max} steps. */
    public static ProgressBar bar(String task, long max) {
        return builder(task, max).build();
    }

    /**
     * The notebook's {@link Progress} for the lower layers' {@code optProgress}: {@link #bar}. Registered in
     * {@code META-INF/services/org.permerge.io.Progress}, so {@link Progress#standard()} finds it.
     */
    public static final class Display implements Progress {
        /** The service loader's constructor. */
        public Display() {}

        @Override
        public ProgressBar start(String task, long max) {
            return bar(task, max);
        }
    }

    @Override
    public int getMaxRenderedLength() {
        return width;
    }

    @Override
    public synchronized void accept(String rendered) {
        if (closed || rendered.equals(last)) {
            return;
        }
        last = rendered;
        String text = ANSI.matcher(rendered).replaceAll("");
        String html = "<pre class=\"permerge-progress\" style=\"margin: 0;\">" + HtmlTable.escape(text) + "</pre>";
        if (id == null) {
            id = sink.show("text/html", html);
        } else if (!sink.update(id, "text/html", html)) {
            sink.show("text/plain", text);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
