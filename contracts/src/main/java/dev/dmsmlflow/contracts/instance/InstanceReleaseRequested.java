package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * A member asked to release an instance; network and compute are torn down next.
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owns the instance.
 * @param requestedBy Member or API key that asked. Optional.
 * @param requestedAt When the release was accepted.
 */
public record InstanceReleaseRequested(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("requestedBy") String requestedBy,
        @JsonProperty("requestedAt") Instant requestedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "InstanceReleaseRequested";

    public InstanceReleaseRequested {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(requestedAt, "requestedAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
