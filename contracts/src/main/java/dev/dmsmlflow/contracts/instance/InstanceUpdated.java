package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * An instance's editable attributes (name, description, authentication mode, spec) changed.
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owns the instance.
 * @param name Instance name after the change.
 * @param description Instance description after the change; absent when cleared. Optional.
 * @param authMode The instance's authentication mode after the change (network or token); absent when it did not
 *        change. Optional.
 * @param updatedAt When the change was committed.
 * @param spec The instance's compute spec after the change (e.g. {@code mlflow.medium}), when the change is a resize: sent
 *        once the new spec is in effect (a running instance's load balancer forwards to a tracking server of that size; a
 *        stopped one starts with it); absent when the spec did not change. Optional.
 */
public record InstanceUpdated(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("authMode") String authMode,
        @JsonProperty("updatedAt") Instant updatedAt,
        @JsonProperty("spec") String spec) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "InstanceUpdated";

    public InstanceUpdated {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(name, "name is required");
        Objects.requireNonNull(updatedAt, "updatedAt is required");
    }

    /** A change of name or description only. */
    public InstanceUpdated(String instanceId, String workspaceId, String name, String description, Instant updatedAt) {
        this(instanceId, workspaceId, name, description, null, updatedAt, null);
    }

    /** A change that may include the authentication mode, not the spec. */
    public InstanceUpdated(String instanceId, String workspaceId, String name, String description, String authMode,
                           Instant updatedAt) {
        this(instanceId, workspaceId, name, description, authMode, updatedAt, null);
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
