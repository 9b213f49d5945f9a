package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** An API key without its secret. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiKeyView(
        @Schema(required = true, pattern = dev.dmsmlflow.gateway.domain.Ids.KEY_PATTERN) String id,
        @Schema(required = true) String memberId,
        @Schema(description = "The one workspace the key reaches; absent when it reaches all the member's workspaces.") String workspaceId,
        String name,
        @Schema(required = true) Status status,
        @Schema(required = true, description = "The member who issued it (an owner, for a workspace key).") String createdBy,
        @Schema(required = true) Instant createdAt,
        Instant expiresAt,
        Instant lastUsedAt,
        Instant revokedAt) {

    /** Whether the key still authenticates. */
    public enum Status { active, revoked, expired }
}
