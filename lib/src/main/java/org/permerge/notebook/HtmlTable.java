package org.permerge.notebook;

import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Renders a Tablesaw table as an HTML table (values as Tablesaw formats them, numbers right-aligned). */
public final class HtmlTable {

    private HtmlTable() {}

    /** All rows of {@code table}. */
    public static String render(Table table) {
        return render(table, Integer.MAX_VALUE);
    }

    /**
     * At most {@code maxRows} rows of {@code table} (then a note of how many were left out). The table's
     * name becomes the caption and the {@code data-table} attribute, so checks can find it.
     */
    public static String render(Table table, int maxRows) {
        if (maxRows < 0) {
            throw new IllegalArgumentException("maxRows must be >= 0, got " + maxRows);
        }
        StringBuilder h = new StringBuilder(256 + 64 * table.rowCount() * Math.max(1, table.columnCount()));
        h.append("<table class=\"permerge-table\" data-table=\"").append(escape(table.name()))
                .append("\" data-rows=\"").append(table.rowCount()).append("\">\n");
        if (table.name() != null && !table.name().isEmpty()) {
            h.append("<caption style=\"caption-side: top; text-align: left; font-weight: bold;\">")
                    .append(escape(table.name())).append("</caption>\n");
        }
        h.append("<thead><tr>");
        for (Column<?> c : table.columns()) {
            h.append("<th style=\"text-align: ").append(align(c)).append(";\">").append(escape(c.name())).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        int shown = Math.min(maxRows, table.rowCount());
        for (int r = 0; r < shown; r++) {
            h.append("<tr>");
            for (Column<?> c : table.columns()) {
                h.append("<td style=\"text-align: ").append(align(c)).append(";\">")
                        .append(escape(c.getString(r))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
        if (shown < table.rowCount()) {
            h.append("<p><i>").append(table.rowCount() - shown).append(" more rows of ").append(table.rowCount())
                    .append(" not shown</i></p>\n");
        }
        return h.toString();
    }

    private static String align(Column<?> c) {
        ColumnType t = c.type();
        return t == ColumnType.DOUBLE || t == ColumnType.FLOAT || t == ColumnType.INTEGER
                || t == ColumnType.LONG || t == ColumnType.SHORT ? "right" : "left";
    }

    /** HTML-escapes text for element content and double-quoted attributes. */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
