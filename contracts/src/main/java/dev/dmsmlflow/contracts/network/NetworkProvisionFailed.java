package dev.dmsmlflow.contracts.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * Network validation or load balancer creation failed for an instance; anything created was cleaned up.
 *
 * @param instanceId Instance whose network failed.
 * @param workspaceId Workspace that owns the instance.
 * @param code Machine-readable reason.
 * @param message Human-readable explanation naming the offending resource.
 * @param failedAt When the failure was detected.
 */
public record NetworkProvisionFailed(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("code") NetworkFailureCode code,
        @JsonProperty("message") String message,
        @JsonProperty("failedAt") Instant failedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "NetworkProvisionFailed";

    public NetworkProvisionFailed {
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
