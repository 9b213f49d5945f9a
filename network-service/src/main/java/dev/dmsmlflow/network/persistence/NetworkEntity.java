package dev.dmsmlflow.network.persistence;

import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.domain.NetworkStep;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;

/**
 * A network row (table {@code network}; columns by Quarkus' default naming, {@code vpcId} to {@code vpc_id}): the
 * instance's load balancer, its auth mode and its pending saga step. Mapped here, handed out as the domain's
 * {@link dev.dmsmlflow.network.domain.Network} by {@link NetworkRepository}.
 * {@code version} is its optimistic lock: the saga's consumer, the worker's outcomes, the API's auth intents and the
 * reconciler write this row, and a write based on a stale read changes nothing instead of overwriting another's.
 */
@Entity
@Table(name = "network")
public class NetworkEntity {
    @Id
    public String instanceId;
    public String workspaceId;
    public String vpcId;
    @Column(name = "vswitch_id")
    public String vSwitchId;
    @Column(name = "secondary_vswitch_id")
    public String secondaryVSwitchId;
    /** Zone ids, comma-separated; null for none. */
    public String zoneIds;
    public String securityGroupId;
    public String loadBalancerId;
    public String listenerId;
    public String aclId;
    public String serverGroupId;
    public String vpcAddress;
    public Integer vpcPort;
    public String backendHost;
    public Integer backendPort;
    @Enumerated(EnumType.STRING)
    public NetworkStatus status;
    public String failureCode;
    public String failureMessage;
    @Column(updatable = false)
    public Instant createdAt;
    public Instant updatedAt;
    /** {@code network} (ACL and security group) or {@code token} (also an MLflow access token). */
    public String authMode = "network";
    /** The pending saga step, done by the network worker outside any transaction; null when there is none. */
    @Enumerated(EnumType.STRING)
    public NetworkStep step;
    /** Grows with every recorded intent, so an outcome clears only the step it was started for. */
    public long stepSeq;
    public String stepBackendHost;
    public Integer stepBackendPort;
    public Instant stepSince;
    public String stepTraceparent;
    @Version
    public long version;
}
