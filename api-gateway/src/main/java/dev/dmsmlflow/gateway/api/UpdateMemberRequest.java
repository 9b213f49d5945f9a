package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Role;
import jakarta.validation.constraints.NotNull;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Body of PATCH /api/v1/workspaces/{ws}/members/{memberId}. */
public record UpdateMemberRequest(@NotNull @Schema(type = SchemaType.STRING, enumeration = {"owner", "editor", "viewer"}) Role role) {
}
