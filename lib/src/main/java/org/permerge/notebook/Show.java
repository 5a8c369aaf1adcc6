package org.permerge.notebook;

import org.permerge.io.PlotlyJs;
import java.util.Objects;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * Shows tables, figures, markdown and text in the notebook a cell runs in, through whichever Java
 * kernel runs it (found by {@link KernelDisplay}); on a console it prints a text form instead.
 *
 * <p>plotly.js goes into the page once per kernel session, with the first figure; the notebook then
 * renders offline, on Binder, and in its HTML export.
 */
public final class Show {

    /** Rows a table shows unless told otherwise. */
    public static final int DEFAULT_MAX_ROWS = 60;

    private static DisplaySink sink;
    private static boolean plotlyShown;

    private Show() {}

    /** The sink output goes to (detected on first use). */
    public static synchronized DisplaySink sink() {
        if (sink == null) {
            sink = KernelDisplay.detect();
        }
        return sink;
    }

    /**
     * Sends output to {@code target} from now on (a kernel this library does not know, or a test);
     * plotly.js is sent again with the next figure.
     */
    public static synchronized void use(DisplaySink target) {
        sink = Objects.requireNonNull(target, "target");
        plotlyShown = false;
    }

    /** Shows an HTML fragment. */
    public static void html(String html) {
        sink().show("text/html", html);
    }

    /** Shows markdown (rendered by the notebook; printed as is on a console). */
    public static void markdown(String markdown) {
        sink().show("text/markdown", markdown);
    }

    /** Shows plain text. */
    public static void text(String text) {
        sink().show("text/plain", text);
    }

    /** Shows a table, at most {@link #DEFAULT_MAX_ROWS} rows. */
    public static void table(Table table) {
        table(table, DEFAULT_MAX_ROWS);
    }

    /** Shows a table, at most {@code maxRows} rows. */
    public static void table(Table table, int maxRows) {
        DisplaySink s = sink();
        if (s.rich()) {
            s.show("text/html", HtmlTable.render(table, maxRows));
        } else {
            s.show("text/plain", table.print(maxRows));
        }
    }

    /** Shows a Plotly figure (built with Tablesaw's {@code tech.tablesaw.plotly} API). */
    public static void figure(Figure figure) {
        DisplaySink s;
        boolean withLibrary;
        synchronized (Show.class) {
            s = sink();
            withLibrary = s.rich() && !plotlyShown;
            plotlyShown |= withLibrary;
        }
        if (!s.rich()) {
            s.show("text/plain", "[figure: " + FigureText.describe(figure) + "]");
            return;
        }
        String div = PlotlyJs.figureHtml(figure, PlotlyJs.newDivId());
        s.show("text/html", withLibrary ? PlotlyJs.libraryHtml() + div : div);
    }

    /**
     * Puts plotly.js into the page again: for a page that lost it (its first figure's output was
     * cleared, or the notebook was opened without that output).
     */
    public static void plotlyLibrary() {
        DisplaySink s = sink();
        if (s.rich()) {
            s.show("text/html", PlotlyJs.libraryHtml());
            synchronized (Show.class) {
                plotlyShown = true;
            }
        }
    }
}
