package dev.dmsmlflow.contracts.usage;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * Metered consumption of one resource of an instance or notebook session over one window; billing dedupes by meterId.
 *
 * @param meterId Deterministic id of this reading (subject, resource, window start); the same window always gets the same id.
 * @param subjectType Kind of thing that consumed the resource.
 * @param subjectId Id of the instance or notebook session.
 * @param workspaceId Workspace billed for the usage.
 * @param resourceType Which resource was consumed.
 * @param spec Specification the usage is priced by.
 * @param windowStart Start of the metering window (inclusive).
 * @param windowEnd End of the metering window (exclusive).
 * @param quantity Amount consumed in the window, exact decimal.
 * @param unit Unit of quantity.
 * @param meteredAt When the reading was taken.
 * @param subjectName The instance's or session's name when the reading was taken (what a bill shows as the resource's
 *        name; names can change, the id is what identifies it). Optional.
 */
public record UsageMetered(
        @JsonProperty("meterId") String meterId,
        @JsonProperty("subjectType") UsageSubjectType subjectType,
        @JsonProperty("subjectId") String subjectId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("resourceType") ResourceType resourceType,
        @JsonProperty("spec") String spec,
        @JsonProperty("windowStart") Instant windowStart,
        @JsonProperty("windowEnd") Instant windowEnd,
        @JsonProperty("quantity") BigDecimal quantity,
        @JsonProperty("unit") UsageUnit unit,
        @JsonProperty("meteredAt") Instant meteredAt,
        @JsonProperty("subjectName") String subjectName) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "UsageMetered";

    public UsageMetered {
        Objects.requireNonNull(meterId, "meterId is required");
        Objects.requireNonNull(subjectType, "subjectType is required");
        Objects.requireNonNull(subjectId, "subjectId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(resourceType, "resourceType is required");
        Objects.requireNonNull(spec, "spec is required");
        Objects.requireNonNull(windowStart, "windowStart is required");
        Objects.requireNonNull(windowEnd, "windowEnd is required");
        Objects.requireNonNull(quantity, "quantity is required");
        Objects.requireNonNull(unit, "unit is required");
        Objects.requireNonNull(meteredAt, "meteredAt is required");
    }

    /** Without the subject's name (readings from before it was sent). */
    public UsageMetered(String meterId, UsageSubjectType subjectType, String subjectId, String workspaceId,
                        ResourceType resourceType, String spec, Instant windowStart, Instant windowEnd, BigDecimal quantity,
                        UsageUnit unit, Instant meteredAt) {
        this(meterId, subjectType, subjectId, workspaceId, resourceType, spec, windowStart, windowEnd, quantity, unit, meteredAt,
                null);
    }

    @Override
    public String aggregateId() {
        return meterId;
    }
}
