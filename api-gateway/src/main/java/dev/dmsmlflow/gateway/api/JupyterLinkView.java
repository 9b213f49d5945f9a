package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** A one-time sign-in link to a session's JupyterLab; the link is shown in this answer only (a replay leaves it out). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JupyterLinkView(
        @Schema(required = true) String sessionId,
        @Schema(description = "Open it in a browser (no Authorization header) before expiresAt, once: it sets the session's"
                + " JupyterLab cookie and redirects to JupyterLab. Absent when this answer is a replay.") String url,
        @Schema(required = true) Instant expiresAt) implements Replayable {

    @Override
    public Object forReplay() {
        return new JupyterLinkView(sessionId, null, expiresAt);
    }

    @Override
    public String toString() {
        return "JupyterLinkView[" + sessionId + ", url <redacted>, until " + expiresAt + "]";
    }
}
