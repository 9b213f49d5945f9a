package dev.dmsmlflow.instance.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.PostLoad;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import jakarta.persistence.Version;

import java.time.Instant;

/**
 * One MLflow instance as stored (Hibernate ORM entity, table {@code instance}): its request, status, pending saga step and
 * what provisioning created. {@code version} is its optimistic lock: a write based on a stale read fails instead of
 * overwriting another writer's change.
 */
@Entity
@Table(name = "instance")
public class Instance {
    @Id
    @Column(name = "id")
    public String id;
    @Column(name = "workspace_id", nullable = false, updatable = false)
    public String workspaceId;
    @Column(name = "name")
    public String name;
    @Column(name = "description")
    public String description;
    @Column(name = "vpc_id", updatable = false)
    public String vpcId;
    @Column(name = "vswitch_id", updatable = false)
    public String vSwitchId;
    @Column(name = "secondary_vswitch_id", updatable = false)
    public String secondaryVSwitchId;
    @Column(name = "security_group_id", updatable = false)
    public String securityGroupId;
    @Column(name = "oss_bucket", updatable = false)
    public String ossBucket;
    @Column(name = "oss_path", updatable = false)
    public String ossPath;
    /** The compute spec in effect: what the serving tracking server runs with and what usage is metered at. */
    @Column(name = "spec")
    public String spec;
    /** A spec asked for by a resize that is not in effect yet (status UPDATING); null otherwise. */
    @Column(name = "pending_spec")
    public String pendingSpec;
    /** During a resize: the port of the new tracking server until the load balancer forwards to it; null otherwise. */
    @Column(name = "successor_port")
    public Integer successorPort;
    @Column(name = "tracking_version")
    public String trackingVersion;
    @Enumerated(EnumType.STRING)
    @Column(name = "status", nullable = false)
    public InstanceStatus status;
    /** The status as last read from or written to the database: a difference is a transition to announce. */
    @Transient
    public InstanceStatus storedStatus;
    @Enumerated(EnumType.STRING)
    @Column(name = "saga_step")
    public SagaStep sagaStep;
    /** The W3C traceparent of the request or event that set {@link #sagaStep}: the worker's span of the step continues it. */
    @Column(name = "saga_traceparent")
    public String sagaTraceparent;
    @Column(name = "failure_code")
    public String failureCode;
    @Column(name = "failure_message")
    public String failureMessage;
    @Column(name = "tracking_database", updatable = false)
    public String trackingDatabase;
    @Column(name = "backend_host")
    public String backendHost;
    @Column(name = "backend_port")
    public Integer backendPort;
    @Column(name = "vpc_address")
    public String vpcAddress;
    @Column(name = "vpc_port")
    public Integer vpcPort;
    @Column(name = "load_balancer_id")
    public String loadBalancerId;
    @Column(name = "listener_id")
    public String listenerId;
    @Column(name = "acl_id")
    public String aclId;
    /** How clients authenticate at the load balancer: {@code network} (ACL and security group) or {@code token}. */
    @Column(name = "auth_mode")
    public String authMode = "network";
    /** SHA-256 of the secret the load balancer adds toward the tracking server (null: the provider adds none). */
    @Column(name = "backend_auth_digest")
    public String backendAuthDigest;
    @Column(name = "compute_released")
    public boolean computeReleased;
    @Column(name = "network_released")
    public boolean networkReleased;
    @Column(name = "requested_by", updatable = false)
    public String requestedBy;
    @Column(name = "created_at", updatable = false)
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    /** Start of the not yet metered running time; null while the instance is not running. */
    @Column(name = "metered_from")
    public Instant meteredFrom;
    @Version
    @Column(name = "version")
    public long version;

    /** The status as read: a transition to announce is a difference from it. */
    @PostLoad
    void loaded() {
        storedStatus = status;
    }

    /** The tracking URI users copy into mlflow.set_tracking_uri, once the load balancer exists. */
    public String trackingUri() {
        if (vpcAddress == null) {
            return null;
        }
        return "http://" + vpcAddress + (vpcPort == null || vpcPort == 80 ? "" : ":" + vpcPort);
    }

    /**
     * The VPC address clients are given: the full URI of the load balancer's listener (scheme, host and port, the port
     * always written, e.g. {@code http://<ALB address>:80}), so that {@code mlflow.set_tracking_uri} can take it verbatim.
     * The bare host alone would make the client log to a local folder named after it, without any error.
     */
    public String vpcUri() {
        if (vpcAddress == null) {
            return null;
        }
        return "http://" + vpcAddress + ":" + (vpcPort == null ? 80 : vpcPort);
    }

    /** The default artifact root the user asked for. */
    public String artifactRoot() {
        return "oss://" + ossBucket + "/" + ossPath;
    }

    @Override
    public String toString() {
        return "Instance[" + id + " " + status + (sagaStep == null ? "" : " step=" + sagaStep) + "]";
    }
}
