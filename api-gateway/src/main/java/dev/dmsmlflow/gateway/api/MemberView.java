package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Role;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/** A member of a workspace with their role there. */
public record MemberView(
        @Schema(required = true, pattern = dev.dmsmlflow.gateway.domain.Ids.MEMBER_PATTERN) String memberId,
        @Schema(required = true) String displayName,
        @Schema(required = true, type = SchemaType.STRING, enumeration = {"owner", "editor", "viewer"}) Role role,
        @Schema(required = true) Instant addedAt) {
}
