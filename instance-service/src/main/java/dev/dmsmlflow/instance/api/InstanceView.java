package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;

import java.time.Instant;

/**
 * An instance as the API shows it; never carries database credentials. {@code vpcAddress} is the full URI a client
 * needs (scheme, host, port), {@code vpcHost} the load balancer's bare host, {@code setTrackingUri} the line to paste.
 * {@code spec} is the spec in effect; {@code pendingSpec} the one a resize (status UPDATING) is rolling out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceView(
        @JsonProperty("id") String id,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("status") String status,
        @JsonProperty("statusReason") Reason statusReason,
        @JsonProperty("vpcId") String vpcId,
        @JsonProperty("vSwitchId") String vSwitchId,
        @JsonProperty("secondaryVSwitchId") String secondaryVSwitchId,
        @JsonProperty("securityGroupId") String securityGroupId,
        @JsonProperty("ossBucket") String ossBucket,
        @JsonProperty("ossPath") String ossPath,
        @JsonProperty("artifactRoot") String artifactRoot,
        @JsonProperty("spec") String spec,
        @JsonProperty("pendingSpec") String pendingSpec,
        @JsonProperty("authMode") String authMode,
        @JsonProperty("trackingVersion") String trackingVersion,
        @JsonProperty("vpcAddress") String vpcAddress,
        @JsonProperty("vpcHost") String vpcHost,
        @JsonProperty("trackingUri") String trackingUri,
        @JsonProperty("setTrackingUri") String setTrackingUri,
        @JsonProperty("loadBalancerId") String loadBalancerId,
        @JsonProperty("createdAt") Instant createdAt,
        @JsonProperty("updatedAt") Instant updatedAt) {

    /** Why the instance is in a failed (or fallen-back) status. */
    public record Reason(@JsonProperty("code") String code, @JsonProperty("message") String message) {
    }

    /**
     * The view of {@code i}. A RELEASED instance shows no address ({@code vpcAddress}, {@code vpcHost}, {@code trackingUri},
     * {@code setTrackingUri}): its load balancer is gone and the port may serve another instance later, so an address
     * shown there would send clients elsewhere.
     */
    public static InstanceView of(Instance i) {
        boolean released = i.status == InstanceStatus.RELEASED;
        return new InstanceView(i.id, i.workspaceId, i.name, i.description, i.status.name(),
                i.failureCode == null ? null : new Reason(i.failureCode, i.failureMessage),
                i.vpcId, i.vSwitchId, i.secondaryVSwitchId, i.securityGroupId, i.ossBucket, i.ossPath, i.artifactRoot(),
                i.spec, i.pendingSpec, i.authMode, i.trackingVersion, released ? null : i.vpcUri(), released ? null : i.vpcAddress, released ? null : i.trackingUri(),
                released || i.vpcAddress == null ? null : "mlflow.set_tracking_uri(\"" + i.vpcUri() + "\")", i.loadBalancerId, i.createdAt, i.updatedAt);
    }
}
