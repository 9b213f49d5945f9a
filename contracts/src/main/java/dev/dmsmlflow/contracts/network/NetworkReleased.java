package dev.dmsmlflow.contracts.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * The instance's load balancer, listener and ACL were deleted (or never existed).
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owns the instance.
 * @param loadBalancerId Load balancer that was deleted; absent if none had been created. Optional.
 * @param releasedAt When the network resources were gone.
 */
public record NetworkReleased(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("loadBalancerId") String loadBalancerId,
        @JsonProperty("releasedAt") Instant releasedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "NetworkReleased";

    public NetworkReleased {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(releasedAt, "releasedAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
