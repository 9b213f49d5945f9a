package dev.dmsmlflow.contracts.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.Objects;

/**
 * The instance's load balancer answers at another address than the one announced before (by NetworkProvisioned or an
 * earlier LoadBalancerAddressChanged): it was made again, e.g. a Kubernetes Service of type LoadBalancer recreated by the
 * reconciliation, or a local proxy restored on another port. Consumers replace the address they hold.
 *
 * @param instanceId Instance the load balancer belongs to.
 * @param workspaceId Workspace that owns the instance.
 * @param loadBalancerId The load balancer.
 * @param vpcAddress Its address inside the VPC now.
 * @param vpcPort Port of the listener at vpcAddress now.
 * @param previousVpcAddress The address announced before. Optional.
 * @param previousVpcPort The port announced before. Optional.
 * @param changedAt When network-service saw the new address.
 */
public record LoadBalancerAddressChanged(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("loadBalancerId") String loadBalancerId,
        @JsonProperty("vpcAddress") String vpcAddress,
        @JsonProperty("vpcPort") int vpcPort,
        @JsonProperty("previousVpcAddress") String previousVpcAddress,
        @JsonProperty("previousVpcPort") Integer previousVpcPort,
        @JsonProperty("changedAt") Instant changedAt) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "LoadBalancerAddressChanged";

    public LoadBalancerAddressChanged {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(loadBalancerId, "loadBalancerId is required");
        Objects.requireNonNull(vpcAddress, "vpcAddress is required");
        Objects.requireNonNull(changedAt, "changedAt is required");
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
