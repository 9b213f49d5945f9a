package dev.dmsmlflow.network.domain;

import java.time.Instant;
import java.util.List;

/**
 * The network of one MLflow instance as network-service stores it (one row per instance id). {@code version} is the row's
 * version as read (its optimistic lock): a record saved from an earlier read whose row another writer changed since is
 * refused ({@code ConcurrentChangeException}); 0 for a network not stored yet.
 */
public record Network(
        String instanceId,
        String workspaceId,
        String vpcId,
        String vSwitchId,
        String secondaryVSwitchId,
        List<String> zoneIds,
        String securityGroupId,
        String loadBalancerId,
        String listenerId,
        String aclId,
        String serverGroupId,
        String vpcAddress,
        Integer vpcPort,
        String backendHost,
        Integer backendPort,
        NetworkStatus status,
        String failureCode,
        String failureMessage,
        Instant createdAt,
        Instant updatedAt,
        long version) {

    public Network {
        zoneIds = zoneIds == null ? List.of() : List.copyOf(zoneIds);
    }

    /** The network whose load balancer answers at {@code address}:{@code port} (it was made again). */
    public Network withVpcAddress(String address, Integer port) {
        return new Network(instanceId, workspaceId, vpcId, vSwitchId, secondaryVSwitchId, zoneIds, securityGroupId,
                loadBalancerId, listenerId, aclId, serverGroupId, address, port, backendHost, backendPort, status,
                failureCode, failureMessage, createdAt, Instant.now(), version);
    }

    public Network withStatus(NetworkStatus s) {
        return new Network(instanceId, workspaceId, vpcId, vSwitchId, secondaryVSwitchId, zoneIds, securityGroupId,
                loadBalancerId, listenerId, aclId, serverGroupId, vpcAddress, vpcPort, backendHost, backendPort, s,
                failureCode, failureMessage, createdAt, Instant.now(), version);
    }
}
