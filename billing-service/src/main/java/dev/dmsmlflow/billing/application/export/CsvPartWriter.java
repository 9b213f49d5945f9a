package dev.dmsmlflow.billing.application.export;

import dev.dmsmlflow.billing.domain.LineItem;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** One CSV file of an export: RFC 4180 (comma, CRLF, quotes where needed), UTF-8, a header row of the FOCUS column names. */
final class CsvPartWriter implements PartWriter {

    private final Writer out;
    private final FocusColumns.Context context;
    private long rows;

    CsvPartWriter(Path file, FocusColumns.Context context) throws IOException {
        OutputStream stream = Files.newOutputStream(file);
        this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
        this.context = context;
        StringBuilder header = new StringBuilder();
        for (FocusColumns.Column c : FocusColumns.ALL) {
            if (header.length() > 0) {
                header.append(',');
            }
            header.append(c.name());
        }
        out.write(header.append("\r\n").toString());
    }

    @Override
    public void write(LineItem line) throws IOException {
        StringBuilder row = new StringBuilder(512);
        boolean first = true;
        for (FocusColumns.Column c : FocusColumns.ALL) {
            if (!first) {
                row.append(',');
            }
            first = false;
            String v = FocusColumns.text(c.value().apply(line, context));
            if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
                row.append('"').append(v.replace("\"", "\"\"")).append('"');
            } else {
                row.append(v);
            }
        }
        out.write(row.append("\r\n").toString());
        rows++;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
