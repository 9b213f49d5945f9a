package dev.dmsmlflow.contracts.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.contracts.Event;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The network was validated and a two-zone load balancer with a port-80 listener and a deny-all ACL exists for an instance.
 *
 * @param instanceId Instance the network belongs to.
 * @param workspaceId Workspace that owns the instance.
 * @param vpcAddress Stable address of the load balancer inside the VPC.
 * @param vpcPort Port of the listener at vpcAddress (80 on Alibaba Cloud; local proxies may differ).
 * @param loadBalancerId Load balancer created for the instance.
 * @param listenerId Port-80 listener of the load balancer.
 * @param aclId ACL associated with the listener; denies everything until entries are added.
 * @param serverGroupId Server group the tracking server will be registered in. Optional.
 * @param zoneIds Zones the load balancer spans (one per vSwitch).
 * @param provisionedAt When provisioning finished.
 * @param backendAuthDigest SHA-256 (lowercase hex) of the per-instance secret the load balancer adds to every request it
 *        forwards to the tracking server; the tracking server admits only requests whose secret has this digest. The
 *        secret itself never leaves network-service. Optional.
 */
public record NetworkProvisioned(
        @JsonProperty("instanceId") String instanceId,
        @JsonProperty("workspaceId") String workspaceId,
        @JsonProperty("vpcAddress") String vpcAddress,
        @JsonProperty("vpcPort") int vpcPort,
        @JsonProperty("loadBalancerId") String loadBalancerId,
        @JsonProperty("listenerId") String listenerId,
        @JsonProperty("aclId") String aclId,
        @JsonProperty("serverGroupId") String serverGroupId,
        @JsonProperty("zoneIds") List<String> zoneIds,
        @JsonProperty("provisionedAt") Instant provisionedAt,
        @JsonProperty("backendAuthDigest") String backendAuthDigest) implements Event {

    /** Wire name of this event type: the CloudEvent type and the outbox event type. */
    public static final String TYPE = "NetworkProvisioned";

    public NetworkProvisioned {
        Objects.requireNonNull(instanceId, "instanceId is required");
        Objects.requireNonNull(workspaceId, "workspaceId is required");
        Objects.requireNonNull(vpcAddress, "vpcAddress is required");
        Objects.requireNonNull(loadBalancerId, "loadBalancerId is required");
        Objects.requireNonNull(listenerId, "listenerId is required");
        Objects.requireNonNull(aclId, "aclId is required");
        zoneIds = List.copyOf(Objects.requireNonNull(zoneIds, "zoneIds is required"));
        Objects.requireNonNull(provisionedAt, "provisionedAt is required");
    }

    /** Without a backend secret (as before the field existed). */
    public NetworkProvisioned(String instanceId, String workspaceId, String vpcAddress, int vpcPort, String loadBalancerId,
                              String listenerId, String aclId, String serverGroupId, List<String> zoneIds, Instant provisionedAt) {
        this(instanceId, workspaceId, vpcAddress, vpcPort, loadBalancerId, listenerId, aclId, serverGroupId, zoneIds,
                provisionedAt, null);
    }

    @Override
    public String aggregateId() {
        return instanceId;
    }
}
