package dev.dmsmlflow.contracts.billing;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * A billing export file for a period was written and is ready to fetch.
 *
 * @param exportId Id of the export.
 * @param workspaceId Workspace the export covers; absent for a platform-wide export. Optional.
 * @param periodStart Start of the billing period (inclusive).
 * @param periodEnd End of the billing period (exclusive).
 * @param format Layout of the rows.
 * @param formatVersion Version of the format, e.g. the FOCUS specification version. Optional.
 * @param location Where the export file is, e.g. oss://bucket/key or file:///path.
 * @param rowCount Number of data rows in the file.
 * @param completedAt When the file was complete.
 */
public record BillingExportCompleted(
        @JsonProperty("exportId") String exportId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("periodStart") Instant periodStart,
        @JsonProperty("periodEnd") Instant periodEnd,
        @JsonProperty("format") ExportFormat format,
        @JsonProperty("formatVersion") String formatVersion,
        @JsonProperty("location") String location,
        @JsonProperty("rowCount") long rowCount,
        @JsonProperty("completedAt") Instant completedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "BillingExportCompleted";

    public BillingExportCompleted {
        Objects.requireNonNull(exportId, "exportId is required");
        Objects.requireNonNull(periodStart, "periodStart is required");
        Objects.requireNonNull(periodEnd, "periodEnd is required");
        Objects.requireNonNull(format, "format is required");
        Objects.requireNonNull(location, "location is required");
        Objects.requireNonNull(completedAt, "completedAt is required");
    }

    @Override
    public String aggregateId() {
        return exportId;
    }
}
