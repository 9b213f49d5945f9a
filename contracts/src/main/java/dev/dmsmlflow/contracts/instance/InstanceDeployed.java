package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.common.Backend;
import java.time.Instant;
import java.util.Objects;

/**
 * The instance's tracking database exists and its tracking server is up and reachable at a backend address.
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owns the instance.
 * @param backend Where the tracking server listens.
 * @param trackingDatabase Name of the instance's metadata database (never credentials). Optional.
 * @param deployedAt When the tracking server became ready.
 */
public record InstanceDeployed(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("backend") Backend backend,
        @JsonProperty("trackingDatabase") String trackingDatabase,
        @JsonProperty("deployedAt") Instant deployedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "InstanceDeployed";

    public InstanceDeployed {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(backend, "backend is required");
        Objects.requireNonNull(deployedAt, "deployedAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
