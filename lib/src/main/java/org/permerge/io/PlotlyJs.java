package org.permerge.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tech.tablesaw.plotly.components.Figure;

/**
 * plotly.js as shipped in the library (webjar {@code org.webjars.npm:plotly.js-dist}), and the HTML that
 * loads it into a notebook page and draws a Tablesaw figure with it, without any network access.
 */
public final class PlotlyJs {

    /** The plotly.js version the library ships: 2.x, because Tablesaw's titles vanish with 3.x. */
    public static final String VERSION = "2.35.3";

    static final String RESOURCE = "META-INF/resources/webjars/plotly.js-dist/" + VERSION + "/plotly.js";

    /** How long a figure waits for plotly.js to appear on the page before it says so, in ms. */
    static final int WAIT_MS = 10_000;

    private static final AtomicLong FIGURES = new AtomicLong();
    private static final Pattern SCRIPT_BODY = Pattern.compile("(?s)^\\s*<script>(.*)</script>\\s*$");
    private static volatile String source;

    private PlotlyJs() {}

    /** The plotly.js source (about 10 MB), read once from the classpath. */
    public static String source() {
        String s = source;
        if (s == null) {
            try (InputStream in = PlotlyJs.class.getClassLoader().getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("plotly.js not on the classpath: expected resource " + RESOURCE
                            + " from org.webjars.npm:plotly.js-dist:" + VERSION);
                }
                s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + RESOURCE, e);
            }
            source = s;
        }
        return s;
    }

    /**
     * A {@code <script>} that defines {@code window.Plotly}. Jupyter pages load require.js, and plotly.js's
     * module wrapper then registers with it instead of setting {@code window.Plotly}; so {@code define} is
     * shadowed by a parameter of the enclosing function while the library runs.
     */
    public static String libraryHtml() {
        return "<script type=\"text/javascript\">/* plotly.js " + VERSION + ", shipped by permerge */\n"
                + "(function (define, exports, module) {\n"
                + escapeForScript(source())
                + "\n}).call(window);\n"
                + "</script>\n";
    }

    /** A fresh element id that is also a JavaScript identifier (Tablesaw uses it in a variable name). */
    public static String newDivId() {
        return "permerge_fig_" + Long.toString(System.nanoTime() & 0xffffffL, 36) + "_" + FIGURES.incrementAndGet();
    }

    /**
     * A {@code <div>} and the script that draws {@code figure} into it once {@code window.Plotly} exists
     * (output cells may render before the library's cell in some front ends).
     */
    public static String figureHtml(Figure figure, String divId) {
        if (!divId.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("figure div id must be a JavaScript identifier, got '" + divId + "'");
        }
        Matcher m = SCRIPT_BODY.matcher(figure.asJavascript(divId));
        if (!m.matches()) {
            throw new IllegalStateException("unexpected Tablesaw figure script for " + divId);
        }
        return "<div id=\"" + divId + "\" class=\"permerge-figure\"></div>\n"
                + "<script type=\"text/javascript\">\n"
                + "(function () {\n"
                + "  function draw() {\n" + escapeForScript(m.group(1)) + "\n  }\n"
                + "  var waited = 0;\n"
                + "  (function tryDraw() {\n"
                + "    if (window.Plotly) { draw(); return; }\n"
                + "    if ((waited += 50) > " + WAIT_MS + ") {\n"
                + "      document.getElementById('" + divId + "').textContent ="
                + " 'plotly.js is not loaded on this page: run Show.plotlyLibrary() in a cell';\n"
                + "      return;\n"
                + "    }\n"
                + "    setTimeout(tryDraw, 50);\n"
                + "  })();\n"
                + "})();\n"
                + "</script>\n";
    }

    /** Keeps a literal "</script" inside JavaScript from closing the surrounding HTML script element. */
    static String escapeForScript(String js) {
        return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT");
    }
}
