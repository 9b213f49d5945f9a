package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * An instance moved from one lifecycle status to another; published for every transition, beside the
 * saga's more specific events, so a consumer can follow the status without knowing the saga.
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owns the instance.
 * @param status Status after the transition.
 * @param previousStatus Status before the transition; absent for a new instance. Optional.
 * @param reasonCode Machine-readable reason, for failed transitions. Optional.
 * @param reasonMessage Human-readable reason, for failed transitions. Optional.
 * @param changedAt When the transition was committed.
 */
public record InstanceStatusChanged(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("status") InstanceStatus status,
        @JsonProperty("previousStatus") InstanceStatus previousStatus,
        @JsonProperty("reasonCode") String reasonCode,
        @JsonProperty("reasonMessage") String reasonMessage,
        @JsonProperty("changedAt") Instant changedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "InstanceStatusChanged";

    public InstanceStatusChanged {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(status, "status is required");
        Objects.requireNonNull(changedAt, "changedAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
