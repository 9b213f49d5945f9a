package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * The instance's database and compute were destroyed; the instance no longer exists.
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owned the instance.
 * @param releasedAt When the release completed.
 */
public record InstanceReleased(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("releasedAt") Instant releasedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "InstanceReleased";

    public InstanceReleased {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(releasedAt, "releasedAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
