package dev.dmsmlflow.billing.application.export;

import dev.dmsmlflow.billing.domain.BillingPeriods;
import dev.dmsmlflow.billing.domain.LineItem;
import dev.dmsmlflow.billing.domain.Money;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Writes one export into a local directory: the line items of a workspace's billing period, in every format asked for
 * ({@code csv}, {@code parquet}), in parts of at most {@code rowsPerFile} rows ({@code part-00000.csv}...), each format
 * from the same single read; then computes each file's size and SHA-256 for the manifest.
 */
public final class ExportWriter {

    /** The formats an export can have. */
    public static final List<String> FORMATS = List.of("csv", "parquet");

    private final int rowsPerFile;

    public ExportWriter(int rowsPerFile) {
        if (rowsPerFile < 1) {
            throw new IllegalArgumentException("rowsPerFile must be positive");
        }
        this.rowsPerFile = rowsPerFile;
    }

    /**
     * Writes the export of the line items {@code source} feeds (it calls the consumer once per line item, in order, and
     * returns how many) into {@code dir}; returns the manifest (not yet written anywhere).
     */
    public Manifest write(Path dir, String exportId, String workspaceId, YearMonth period, List<String> formats,
                          FocusColumns.Context context, String currency, ToLongFunction<Consumer<LineItem>> source) throws IOException {
        Files.createDirectories(dir);
        Map<String, Parts> parts = new LinkedHashMap<>();
        for (String f : formats) {
            if (!FORMATS.contains(f)) {
                throw new IllegalArgumentException("unknown export format " + f);
            }
            parts.put(f, new Parts(dir, f, context));
        }
        BigDecimal[] total = {BigDecimal.ZERO.setScale(Money.COST_SCALE)};
        long rows;
        try {
            rows = source.applyAsLong(line -> {
                total[0] = total[0].add(line.cost());
                for (Parts p : parts.values()) {
                    try {
                        p.write(line);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            for (Parts p : parts.values()) {
                p.close();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        List<Manifest.FileEntry> files = new ArrayList<>();
        for (Parts p : parts.values()) {
            files.addAll(p.entries());
        }
        List<String> columns = FocusColumns.ALL.stream().map(FocusColumns.Column::name).toList();
        return new Manifest(exportId, workspaceId, period.toString(), BillingPeriods.start(period), BillingPeriods.end(period),
                FocusColumns.VERSION, currency, Instant.now(), rows, total[0], columns, files);
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rolling parts of one format. */
    private final class Parts {
        private final Path dir;
        private final String format;
        private final FocusColumns.Context context;
        private final List<Path> done = new ArrayList<>();
        private final List<Long> doneRows = new ArrayList<>();
        private PartWriter current;
        private Path currentFile;

        Parts(Path dir, String format, FocusColumns.Context context) {
            this.dir = dir;
            this.format = format;
            this.context = context;
        }

        void write(LineItem line) throws IOException {
            if (current == null || current.rows() >= rowsPerFile) {
                roll();
            }
            current.write(line);
        }

        private void roll() throws IOException {
            finish();
            currentFile = dir.resolve(String.format("part-%05d.%s", done.size(), format));
            current = "csv".equals(format) ? new CsvPartWriter(currentFile, context) : new ParquetPartWriter(currentFile, context);
        }

        private void finish() throws IOException {
            if (current != null) {
                current.close();
                done.add(currentFile);
                doneRows.add(current.rows());
                current = null;
            }
        }

        void close() throws IOException {
            if (current == null && done.isEmpty()) {
                roll(); // an empty period still gets a file with the header / schema
            }
            finish();
        }

        List<Manifest.FileEntry> entries() throws IOException {
            List<Manifest.FileEntry> out = new ArrayList<>();
            for (int i = 0; i < done.size(); i++) {
                Path f = done.get(i);
                out.add(new Manifest.FileEntry(f.getFileName().toString(), format, doneRows.get(i), Files.size(f), sha256(f)));
            }
            return out;
        }
    }
}
