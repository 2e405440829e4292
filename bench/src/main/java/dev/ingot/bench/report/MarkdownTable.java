package dev.ingot.bench.report;

import java.util.ArrayList;
import java.util.List;

/** A GitHub-flavoured Markdown table, built row by row; numeric columns are right-aligned. */
final class MarkdownTable {
    private final List<String> header;
    private final boolean[] rightAligned;
    private final List<List<String>> rows = new ArrayList<>();

    /** Column titles; a title starting with {@code '>'} marks a right-aligned (numeric) column. */
    MarkdownTable(List<String> columns) {
        header = new ArrayList<>();
        rightAligned = new boolean[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            String c = columns.get(i);
            rightAligned[i] = c.startsWith(">");
            header.add(rightAligned[i] ? c.substring(1) : c);
        }
    }

    void add(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, the table " + header.size()
                    + " columns " + header);
        }
        rows.add(List.copyOf(cells));
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        line(sb, header);
        sb.append('|');
        for (boolean right : rightAligned) {
            sb.append(right ? " ---: |" : " --- |");
        }
        sb.append('\n');
        for (List<String> row : rows) {
            line(sb, row);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells) {
        sb.append('|');
        for (String c : cells) {
            sb.append(' ').append(c.replace("|", "\\|")).append(" |");
        }
        sb.append('\n');
    }
}
