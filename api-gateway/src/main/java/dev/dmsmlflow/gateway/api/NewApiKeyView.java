package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/**
 * A key just issued, with the token itself: shown in this one answer only (a replay of the request shows the key
 * without it). Never logged: {@link #toString()} leaves it out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NewApiKeyView(
        @Schema(required = true, pattern = dev.dmsmlflow.gateway.domain.Ids.KEY_PATTERN) String id,
        @Schema(required = true) String memberId,
        @Schema(description = "The one workspace the key reaches; absent when it reaches all the member's workspaces.") String workspaceId,
        String name,
        @Schema(required = true) ApiKeyView.Status status,
        @Schema(required = true) String createdBy,
        @Schema(required = true) Instant createdAt,
        Instant expiresAt,
        @Schema(description = "The API key, for 'Authorization: Bearer'. Shown once; absent when this answer is a replay.",
                pattern = dev.dmsmlflow.gateway.domain.ApiKeyToken.PATTERN) String apiKey) implements Replayable {

    @Override
    public Object forReplay() {
        return new NewApiKeyView(id, memberId, workspaceId, name, status, createdBy, createdAt, expiresAt, null);
    }

    @Override
    public String toString() {
        return "NewApiKeyView[" + id + ", member " + memberId + ", workspace " + workspaceId + ", apiKey <redacted>]";
    }
}
