package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Body of POST …/instances/{id}/tokens: an MLflow access token of the instance. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateTokenRequest(
        @NotNull @Size(min = 1, max = 64) @Pattern(regexp = Patterns.LINE)
        @Schema(description = "What the token is for, e.g. the notebook or job that uses it.", examples = "training-job") String name,
        @NotNull @Pattern(regexp = "^(read|read-write)$")
        @Schema(enumeration = {"read", "read-write"}, description = "read: GET and the searches MLflow sends as POST; read-write: everything.")
        String scope,
        @Min(1) @Max(3650) @Schema(description = "Days until it stops working; without it, until revoked.") Integer expiresInDays) {
}
