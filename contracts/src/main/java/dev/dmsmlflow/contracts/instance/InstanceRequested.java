package dev.dmsmlflow.contracts.instance;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * A member asked for a new MLflow instance in a workspace; starts the provisioning saga.
 *
 * @param instanceId Id of the new MLflow instance.
 * @param workspaceId Workspace that owns the instance.
 * @param name Instance name shown in the console.
 * @param description Instance description. Optional.
 * @param vpcId VPC the instance lives in.
 * @param vSwitchId Primary vSwitch; the tracking server and the load balancer take an IP from it.
 * @param secondaryVSwitchId Secondary vSwitch in another zone, for the load balancer's second zone.
 * @param securityGroupId Basic security group controlling inbound access.
 * @param ossBucket OSS bucket of the default artifact root.
 * @param ossPath Path in the bucket; the default artifact root is oss://<ossBucket>/<ossPath>.
 * @param spec Compute specification of the tracking server (CPU cores + memory).
 * @param authMode How clients authenticate to the instance: network (ACL and security group only) or token (also an
 *        MLflow access token). Absent means network. Optional.
 * @param requestedBy Member or API key that made the request. Optional.
 * @param requestedAt When the request was accepted.
 */
public record InstanceRequested(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("vpcId") String vpcId,
        @JsonProperty("vSwitchId") String vSwitchId,
        @JsonProperty("secondaryVSwitchId") String secondaryVSwitchId,
        @JsonProperty("securityGroupId") String securityGroupId,
        @JsonProperty("ossBucket") String ossBucket,
        @JsonProperty("ossPath") String ossPath,
        @JsonProperty("spec") String spec,
        @JsonProperty("authMode") String authMode,
        @JsonProperty("requestedBy") String requestedBy,
        @JsonProperty("requestedAt") Instant requestedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "InstanceRequested";

    public InstanceRequested {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(name, "name is required");
        Objects.requireNonNull(vpcId, "vpcId is required");
        Objects.requireNonNull(vSwitchId, "vSwitchId is required");
        Objects.requireNonNull(secondaryVSwitchId, "secondaryVSwitchId is required");
        Objects.requireNonNull(securityGroupId, "securityGroupId is required");
        Objects.requireNonNull(ossBucket, "ossBucket is required");
        Objects.requireNonNull(ossPath, "ossPath is required");
        Objects.requireNonNull(spec, "spec is required");
        Objects.requireNonNull(requestedAt, "requestedAt is required");
    }

    /** In the default authentication mode ({@code network}, as before the field existed). */
    public InstanceRequested(String instanceId, String workspaceId, String name, String description, String vpcId,
                             String vSwitchId, String secondaryVSwitchId, String securityGroupId, String ossBucket,
                             String ossPath, String spec, String requestedBy, Instant requestedAt) {
        this(instanceId, workspaceId, name, description, vpcId, vSwitchId, secondaryVSwitchId, securityGroupId, ossBucket,
                ossPath, spec, null, requestedBy, requestedAt);
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
