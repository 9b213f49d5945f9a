package dev.dmsmlflow.billing.application.export;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * What an export holds, written last as {@code manifest.json} beside its files: each file's path (relative to the
 * manifest), format, rows, bytes and SHA-256, the rows and total BilledCost of each format, and the FOCUS version and
 * columns. A reader checks the files against it before trusting them.
 */
public record Manifest(String exportId, String workspaceId, String billingPeriod, Instant billingPeriodStart, Instant billingPeriodEnd,
                       String focusVersion, String currency, Instant generatedAt, long rowCount, BigDecimal totalBilledCost,
                       List<String> columns, List<FileEntry> files) {

    /** One file of the export. */
    public record FileEntry(String path, String format, long rows, long bytes, String sha256) {
    }

    /** The manifest's own name. */
    public static final String NAME = "manifest.json";
}
