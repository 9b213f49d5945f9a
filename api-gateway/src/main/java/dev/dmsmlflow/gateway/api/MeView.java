package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/** The caller: member, the key in use, and the workspaces that key reaches. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MeView(
        @Schema(required = true, pattern = dev.dmsmlflow.gateway.domain.Ids.MEMBER_PATTERN) String id,
        @Schema(required = true) String displayName,
        @Schema(required = true) Instant createdAt,
        @Schema(description = "The API key of this request; absent when signed in through the identity provider.") String keyId,
        @Schema(description = "The workspace the key is scoped to; absent for an unscoped key.") String keyWorkspaceId,
        @Schema(required = true) List<WorkspaceView> workspaces) {
}
