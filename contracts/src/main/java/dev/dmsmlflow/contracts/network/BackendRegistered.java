package dev.dmsmlflow.contracts.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.common.Backend;
import java.time.Instant;
import java.util.Objects;

/**
 * The tracking server was registered as the load balancer's backend; traffic admitted by the ACL now reaches it.
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owns the instance.
 * @param loadBalancerId Load balancer the backend was added to.
 * @param serverGroupId Server group holding the backend. Optional.
 * @param backend The registered backend.
 * @param registeredAt When registration completed.
 */
public record BackendRegistered(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("loadBalancerId") String loadBalancerId,
        @JsonProperty("serverGroupId") String serverGroupId,
        @JsonProperty("backend") Backend backend,
        @JsonProperty("registeredAt") Instant registeredAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "BackendRegistered";

    public BackendRegistered {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(loadBalancerId, "loadBalancerId is required");
        Objects.requireNonNull(backend, "backend is required");
        Objects.requireNonNull(registeredAt, "registeredAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
