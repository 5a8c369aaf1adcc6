package org.permerge.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class HtmlTableTest {

    private static Table sample(int rows) {
        StringColumn name = StringColumn.create("tap");
        DoubleColumn value = DoubleColumn.create("mean");
        for (int i = 0; i < rows; i++) {
            name.append("layer<" + i + ">&\"q\"");
            value.append(i * 0.5);
        }
        return Table.create("stats <per tap>", name, value);
    }

    private static int count(String haystack, String regex) {
        Matcher m = Pattern.compile(regex).matcher(haystack);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void everyCellIsEscapedAndEveryRowRendered() {
        String html = HtmlTable.render(sample(3));
        assertEquals(3, count(html, "<tr><td"));
        assertTrue(html.contains("layer&lt;2&gt;&amp;&quot;q&quot;"), html);
        assertFalse(html.contains("layer<"), "raw '<' from data leaked into the HTML");
        assertTrue(html.contains("data-table=\"stats &lt;per tap&gt;\""));
        assertTrue(html.contains("data-rows=\"3\""));
        // numbers as Tablesaw formats them, right-aligned; text left-aligned
        assertTrue(html.contains("<td style=\"text-align: right;\">0.5</td>"), html);
        assertTrue(html.contains("<th style=\"text-align: left;\">tap</th>"));
    }

    @Test
    void longTablesAreCutWithANote() {
        String html = HtmlTable.render(sample(10), 4);
        assertEquals(4, count(html, "<tr><td"));
        assertTrue(html.contains("6 more rows of 10 not shown"));
        assertTrue(html.contains("data-rows=\"10\""));
        assertThrows(IllegalArgumentException.class, () -> HtmlTable.render(sample(1), -1));
    }
}
