package dev.dmsmlflow.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints API answers for people (aligned tables, key: value records) or scripts ({@code --output json}). */
final class Printer {

    private final PrintWriter out;
    private final boolean json;

    Printer(PrintWriter out, boolean json) {
        this.out = out;
        this.json = json;
    }

    boolean json() {
        return json;
    }

    /** One resource: the chosen fields as {@code key: value} lines (fields that are absent are skipped), or the whole JSON. */
    void record(JsonNode node, String... fields) {
        if (json) {
            raw(node);
            return;
        }
        int width = 0;
        for (String f : fields) {
            width = Math.max(width, label(f).length());
        }
        for (String f : fields) {
            String v = value(node, f);
            if (v != null) {
                out.printf("%-" + (width + 1) + "s %s%n", label(f) + ":", v);
            }
        }
        out.flush();
    }

    /** A list answer ({@code items}, {@code nextPageToken}) as a table of the chosen columns. */
    void table(JsonNode page, String... columns) {
        if (json) {
            raw(page);
            return;
        }
        JsonNode items = page.has("items") ? page.get("items") : page;
        List<String[]> rows = new ArrayList<>();
        String[] header = new String[columns.length];
        for (int i = 0; i < columns.length; i++) {
            header[i] = label(columns[i]).toUpperCase();
        }
        rows.add(header);
        for (JsonNode item : items) {
            String[] row = new String[columns.length];
            for (int i = 0; i < columns.length; i++) {
                String v = value(item, columns[i]);
                row[i] = v == null ? "-" : v;
            }
            rows.add(row);
        }
        int[] widths = new int[columns.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        if (rows.size() == 1) {
            out.println("(none)");
        }
        String next = GatewayClient.text(page, "nextPageToken");
        if (next != null) {
            out.println("(more: --page-token " + next + ")");
        }
        out.flush();
    }

    void line(String s) {
        if (!json) {
            out.println(s);
            out.flush();
        }
    }

    void raw(JsonNode node) {
        try {
            out.println(GatewayClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    /** The value at a dotted path ({@code statusReason.message}); arrays joined with commas. */
    static String value(JsonNode node, String path) {
        JsonNode n = node;
        for (String part : path.split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            n.forEach(e -> parts.add(e.isValueNode() ? e.asText() : e.toString()));
            return String.join(",", parts);
        }
        return n.isValueNode() ? n.asText() : n.toString();
    }

    private static String label(String path) {
        return path.contains(".") ? path.substring(path.lastIndexOf('.') + 1) : path;
    }
}
