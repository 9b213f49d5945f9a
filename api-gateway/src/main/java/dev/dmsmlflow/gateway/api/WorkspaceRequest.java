package dev.dmsmlflow.gateway.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Body of POST /api/v1/workspaces and PATCH /api/v1/workspaces/{ws}. */
public record WorkspaceRequest(@NotNull @Size(min = 1, max = 100) @Pattern(regexp = Patterns.NAME) String name) {
}
