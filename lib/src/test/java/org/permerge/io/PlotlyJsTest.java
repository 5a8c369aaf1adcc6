package org.permerge.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.ScatterTrace;

public class PlotlyJsTest {

    /** A small figure with a title, for the display tests. */
    public static Figure figure(String title) {
        return new Figure(Layout.builder().title(title).build(),
                ScatterTrace.builder(new double[] {1, 2, 3}, new double[] {2, 4, 8}).build());
    }

    @Test
    void shipsTheDeclaredPlotlyVersion() {
        String js = PlotlyJs.source();
        assertTrue(js.length() > 1_000_000, "plotly.js is suspiciously small: " + js.length());
        assertTrue(js.substring(0, 200).contains("plotly.js v" + PlotlyJs.VERSION), js.substring(0, 200));
    }

    @Test
    void libraryRunsWithRequireJsDefineShadowedInOneScriptElement() {
        String html = PlotlyJs.libraryHtml();
        assertTrue(html.startsWith("<script"));
        assertTrue(html.contains("(function (define, exports, module) {"));
        assertTrue(html.contains("}).call(window);"));
        // the only closing tag is the element's own: the source cannot end the script early
        assertEquals(html.indexOf("</script>"), html.lastIndexOf("</script>"));
    }

    @Test
    void figureDrawsIntoItsOwnDivOncePlotlyExists() {
        String id = PlotlyJs.newDivId();
        assertNotEquals(id, PlotlyJs.newDivId());
        String html = PlotlyJs.figureHtml(figure("growth"), id);
        assertTrue(html.startsWith("<div id=\"" + id + "\""));
        assertTrue(html.contains("Plotly.newPlot(target_" + id));
        assertTrue(html.contains("if (window.Plotly) { draw(); return; }"));
        assertTrue(html.contains("title: 'growth'"));
        assertThrows(IllegalArgumentException.class, () -> PlotlyJs.figureHtml(figure("x"), "not-an-identifier"));
    }

    @Test
    void scriptEndTagsInsideJavaScriptAreEscaped() {
        assertEquals("var s = '<\\/script>';", PlotlyJs.escapeForScript("var s = '</script>';"));
    }
}
