package dev.dmsmlflow.gateway.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the services answer, for the OpenAPI document only: the gateway passes these bodies through unchanged.
 * Only fields every answer carries are required; services may add fields.
 */
final class ServiceDocs {

    private ServiceDocs() {
    }

    @Schema(name = "Instance", description = "An MLflow instance (from instance-service).")
    record Instance(
            @Schema(required = true) String id,
            @Schema(required = true) String workspaceId,
            @Schema(required = true) String name,
            String description,
            @Schema(required = true, enumeration = {"CREATING", "RUNNING", "CREATE_FAILED", "UPDATING", "REDEPLOYING", "STOPPING",
                    "STOPPED", "STARTING", "RELEASING", "RELEASED", "RELEASE_FAILED"}) String status,
            StatusReason statusReason,
            String vpcId, String vSwitchId, String secondaryVSwitchId, String securityGroupId,
            String ossBucket, String ossPath, String artifactRoot, String spec, String trackingVersion,
            String vpcAddress, String trackingUri, String loadBalancerId, Instant createdAt, Instant updatedAt) {
    }

    @Schema(name = "StatusReason")
    record StatusReason(String code, String message) {
    }

    @Schema(name = "InstancePage")
    record InstancePage(@Schema(required = true) List<Instance> items, String nextPageToken) {
    }

    @Schema(name = "UsagePage", description = "Metered usage windows of an instance (from instance-service).")
    record UsagePage(@Schema(required = true) List<Map<String, Object>> items, String nextPageToken) {
    }

    @Schema(name = "AclEntry")
    record AclEntry(@Schema(required = true) String cidr, String description, Instant createdAt) {
    }

    @Schema(name = "AclEntryPage")
    record AclEntryPage(@Schema(required = true) List<AclEntry> items, String nextPageToken) {
    }

    @Schema(name = "AclChange", description = "The ACL after a change (from network-service).")
    record AclChange(@Schema(required = true) String instanceId, String aclId, List<AclEntry> added, List<AclEntry> removed,
                     Integer total) {
    }

    @Schema(name = "Diagnosis", description = "Whether a source address would reach the instance, layer by layer (from network-service).")
    record Diagnosis(@Schema(required = true) String instanceId, @Schema(required = true) String source,
                     @Schema(required = true) boolean admitted, List<Map<String, Object>> layers) {
    }

    @Schema(name = "Vpc", description = "A VPC of the network registry (from network-service).")
    record Vpc(@Schema(required = true) String id, String cidr) {
    }

    @Schema(name = "VpcList")
    record VpcList(@Schema(required = true) List<Vpc> items) {
    }

    @Schema(name = "VSwitch", description = "A vSwitch of a VPC: its zone and the addresses still free on it.")
    record VSwitch(@Schema(required = true) String id, @Schema(required = true) String vpcId, @Schema(required = true) String zoneId,
                   String cidr, @Schema(required = true) long availableIpAddressCount) {
    }

    @Schema(name = "VSwitchList")
    record VSwitchList(@Schema(required = true) List<VSwitch> items) {
    }

    @Schema(name = "SecurityGroupRule")
    record SecurityGroupRule(String protocol, Integer portFrom, Integer portTo, String sourceCidr, String policy) {
    }

    @Schema(name = "SecurityGroup", description = "A security group of a VPC; only basic ones (type normal, not managed) are accepted.")
    record SecurityGroup(@Schema(required = true) String id, @Schema(required = true) String vpcId, @Schema(required = true) String type,
                         @Schema(required = true) boolean managed, @Schema(required = true) boolean basic, List<SecurityGroupRule> inboundRules) {
    }

    @Schema(name = "SecurityGroupList")
    record SecurityGroupList(@Schema(required = true) List<SecurityGroup> items) {
    }
}
