package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Ids;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** Body of POST /api/v1/keys: every field optional. */
public record CreateKeyRequest(
        @Size(min = 1, max = 100) @Pattern(regexp = Patterns.NAME) @Schema(description = "A label to recognise the key by.") String name,
        @Pattern(regexp = Ids.WORKSPACE_PATTERN)
        @Schema(description = "Scope the key to one of your workspaces; omitted: all your workspaces (a workspace-scoped key only issues keys of its own workspace).")
        String workspaceId,
        @Schema(description = "When the key stops working (must be in the future); omitted: never.") Instant expiresAt) {
}
