package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/**
 * A one-time link that signs a browser in to a token-mode instance's MLflow UI (made by network-service); the link is in
 * this answer only (a replay leaves it out).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "UiSignInLink")
public record UiSignInView(
        @Schema(required = true) String instanceId,
        @Schema(description = "Open it in a browser before expiresAt, once: the instance's load balancer sets a cookie holding an"
                + " access token of the caller (read for a viewer, read-write for an editor or owner, valid 8 h) and redirects"
                + " to the MLflow UI. Absent when this answer is a replay.") String url,
        @Schema(required = true) Instant expiresAt) implements Replayable {

    @Override
    public Object forReplay() {
        return new UiSignInView(instanceId, null, expiresAt);
    }

    @Override
    public String toString() {
        return "UiSignInView[" + instanceId + ", url <redacted>, until " + expiresAt + "]";
    }
}
