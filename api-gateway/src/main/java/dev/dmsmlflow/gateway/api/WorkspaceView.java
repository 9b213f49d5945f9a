package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Role;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** A workspace and the caller's role in it. */
public record WorkspaceView(
        @Schema(required = true, examples = "ws-1") String id,
        @Schema(required = true) String name,
        @Schema(required = true, type = SchemaType.STRING, enumeration = {"owner", "editor", "viewer"}, description = "The caller's role here.") Role role,
        @Schema(required = true) Instant createdAt,
        @Schema(required = true) Instant updatedAt) {
}
