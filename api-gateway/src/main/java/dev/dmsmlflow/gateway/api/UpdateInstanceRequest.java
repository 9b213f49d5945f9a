package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of PATCH /api/v1/workspaces/{ws}/instances/{id}: fields left out stay as they are. {@code ossPath} and
 * {@code ossBucket} are taken only to be forwarded, so that instance-service refuses them with its reason.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpdateInstanceRequest(
        @Pattern(regexp = Patterns.INSTANCE_NAME) String name,
        @Size(max = 256) @Pattern(regexp = Patterns.TEXT) @Schema(description = "An empty string clears it.") String description,
        @Pattern(regexp = "^(network|token)$") @Schema(enumeration = {"network", "token"}) String authMode,
        @Pattern(regexp = "^mlflow\\.(small|medium|large)$")
        @Schema(enumeration = {"mlflow.small", "mlflow.medium", "mlflow.large"}, description = "A resize. RUNNING: the instance"
                + " turns UPDATING (the new spec as pendingSpec) while a tracking server of the new spec starts beside the serving"
                + " one on the same database; once the load balancer forwards to it, the old one stops and the instance is RUNNING"
                + " at the new spec, metered at it from that moment. If the new server cannot start, the instance stays RUNNING at"
                + " its old spec with statusReason RESIZE_FAILED. STOPPED: in effect at once, used at the next start. Any other"
                + " status: 409 naming it.") String spec,
        @Schema(description = "Cannot be changed: the request is refused with 400 naming ossPath, and why.") String ossPath,
        @Schema(description = "Cannot be changed: the request is refused with 400 naming ossBucket, and why.") String ossBucket) {
}
