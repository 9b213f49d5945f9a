package dev.dmsmlflow.gateway.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of POST /api/v1/workspaces/{ws}/instances. The workspace comes from the path (and reaches instance-service in
 * the service token); rules needing the network (vSwitch zones, security group type) are checked by the services.
 */
public record CreateInstanceRequest(
        @NotNull @Pattern(regexp = Patterns.INSTANCE_NAME) String name,
        @Size(max = 256) @Pattern(regexp = Patterns.TEXT) String description,
        @NotNull @Pattern(regexp = Patterns.CLOUD_ID) String vpcId,
        @NotNull @Pattern(regexp = Patterns.CLOUD_ID) String vSwitchId,
        @NotNull @Pattern(regexp = Patterns.CLOUD_ID) @Schema(description = "A vSwitch in another zone than vSwitchId.") String secondaryVSwitchId,
        @NotNull @Pattern(regexp = Patterns.CLOUD_ID) @Schema(description = "A basic (not managed) security group.") String securityGroupId,
        @NotNull @Pattern(regexp = Patterns.OSS_BUCKET) String ossBucket,
        @NotNull @Size(min = 1, max = 1024) @Pattern(regexp = Patterns.OSS_PATH)
        @Schema(description = "Path in the bucket: the artifact root is oss://<ossBucket>/<ossPath>.") String ossPath,
        @NotNull @Pattern(regexp = "^mlflow\\.(small|medium|large)$")
        @Schema(enumeration = {"mlflow.small", "mlflow.medium", "mlflow.large"}) String spec,
        @Pattern(regexp = "^(network|token)$")
        @Schema(enumeration = {"network", "token"}, description = "network (default): the ACL and security group decide; token: clients"
                + " also need one of the instance's MLflow access tokens.") String authMode) {
}
