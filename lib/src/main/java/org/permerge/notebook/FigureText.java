package org.permerge.notebook;

import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.traces.Trace;

/** A one-line text description of a figure, for consoles that cannot draw it. */
final class FigureText {

    private FigureText() {}

    static String describe(Figure figure) {
        Trace[] traces = figure.getTraces();
        String title = figure.getLayout() == null ? null : figure.getLayout().getTitle();
        return (title == null ? "untitled" : title) + ", " + (traces == null ? 0 : traces.length) + " trace(s)";
    }
}
