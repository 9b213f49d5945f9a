package dev.dmsmlflow.contracts.notebook;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * A notebook session's runtime stopped; metering of the session ends.
 *
 * @param sessionId Id of the notebook session.
 * @param workspaceId Workspace that owns the session.
 * @param reason Why the session stopped.
 * @param stoppedAt When the runtime stopped.
 */
public record NotebookSessionStopped(
        @JsonProperty("sessionId") String sessionId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("reason") NotebookStopReason reason,
        @JsonProperty("stoppedAt") Instant stoppedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "NotebookSessionStopped";

    public NotebookSessionStopped {
        Objects.requireNonNull(sessionId, "sessionId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(reason, "reason is required");
        Objects.requireNonNull(stoppedAt, "stoppedAt is required");
    }

    @Override
    public String aggregateId() {
        return sessionId;
    }
}
