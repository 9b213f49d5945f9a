package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.Role;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Body of POST /api/v1/workspaces/{ws}/members: an existing member by id, or a new one by display name (exactly one). */
public record AddMemberRequest(
        @Pattern(regexp = Ids.MEMBER_PATTERN) @Schema(description = "An existing member to add.") String memberId,
        @Size(min = 1, max = 100) @Pattern(regexp = Patterns.NAME) @Schema(description = "A new member to create and add.") String displayName,
        @NotNull @Schema(type = SchemaType.STRING, enumeration = {"owner", "editor", "viewer"}) Role role) {
}
