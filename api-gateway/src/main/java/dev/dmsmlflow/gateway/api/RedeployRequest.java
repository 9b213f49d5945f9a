package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.Pattern;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Optional body of POST …/instances/{id}/redeploy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RedeployRequest(
        @Pattern(regexp = "^[A-Za-z0-9._-]{1,64}$") @Schema(description = "Tracking-server version; omitted: the current one.") String version) {
}
