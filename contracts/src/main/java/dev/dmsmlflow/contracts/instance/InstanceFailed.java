package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * Provisioning of an instance failed; the saga cleaned up what it created.
 *
 * @param instanceId Id of the instance.
 * @param workspaceId Workspace that owns the instance.
 * @param code Machine-readable reason.
 * @param message Human-readable explanation.
 * @param failedAt When the instance was marked failed.
 */
public record InstanceFailed(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("code") InstanceFailureCode code,
        @JsonProperty("message") String message,
        @JsonProperty("failedAt") Instant failedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "InstanceFailed";

    public InstanceFailed {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(code, "code is required");
        Objects.requireNonNull(message, "message is required");
        Objects.requireNonNull(failedAt, "failedAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
