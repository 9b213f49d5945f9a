package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Body of PATCH /api/v1/workspaces/{ws}/instances/{id}: fields left out stay as they are. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpdateInstanceRequest(
        @Pattern(regexp = Patterns.INSTANCE_NAME) String name,
        @Size(max = 256) @Pattern(regexp = Patterns.TEXT) @Schema(description = "An empty string clears it.") String description,
        @Pattern(regexp = "^(network|token)$") @Schema(enumeration = {"network", "token"}) String authMode) {
}
