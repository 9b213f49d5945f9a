package dev.dmsmlflow.contracts.notebook;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * A notebook session's runtime started; metering of the session begins.
 *
 * @param sessionId Id of the notebook session.
 * @param workspaceId Workspace that owns the session.
 * @param name Session name (letters, digits, underscores, at most 64).
 * @param spec Compute specification (CPU cores + memory).
 * @param image Container image of the runtime.
 * @param instanceId MLflow instance whose tracking URI is wired into the session. Optional.
 * @param trackingUri MLFLOW_TRACKING_URI set in the session. Optional.
 * @param idleReleaseMinutes Idle minutes before the session is released automatically. Optional.
 * @param startedAt When the runtime started.
 */
public record NotebookSessionStarted(
        @JsonProperty("sessionId") String sessionId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("name") String name,
        @JsonProperty("spec") String spec,
        @JsonProperty("image") String image,
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("trackingUri") String trackingUri,
        @JsonProperty("idleReleaseMinutes") Integer idleReleaseMinutes,
        @JsonProperty("startedAt") Instant startedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "NotebookSessionStarted";

    public NotebookSessionStarted {
        Objects.requireNonNull(sessionId, "sessionId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(name, "name is required");
        Objects.requireNonNull(spec, "spec is required");
        Objects.requireNonNull(image, "image is required");
        Objects.requireNonNull(startedAt, "startedAt is required");
    }

    @Override
    public String aggregateId() {
        return sessionId;
    }
}
