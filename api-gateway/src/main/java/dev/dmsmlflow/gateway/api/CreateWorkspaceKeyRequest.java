package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Ids;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** Body of POST /api/v1/workspaces/{ws}/keys: a key for a member of the workspace, scoped to it. */
public record CreateWorkspaceKeyRequest(
        @NotNull @Pattern(regexp = Ids.MEMBER_PATTERN) String memberId,
        @Size(min = 1, max = 100) @Pattern(regexp = Patterns.NAME) String name,
        @Schema(description = "When the key stops working (must be in the future); omitted: never.") Instant expiresAt) {
}
