package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Where clients in the VPC reach an instance; address and port are absent until its network is provisioned. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VpcAddressView(
        @Schema(required = true) String instanceId,
        @Schema(description = "Status of the instance's network (load balancer, listener, ACL).") String status,
        String vpcAddress,
        Integer vpcPort) {
}
