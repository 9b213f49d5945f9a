package dev.dmsmlflow.instance.domain;

import java.time.Instant;

/** One MLflow instance as stored: its request, status, pending saga step and what provisioning created. */
public class Instance {
    public String id;
    public String workspaceId;
    public String name;
    public String description;
    public String vpcId;
    public String vSwitchId;
    public String secondaryVSwitchId;
    public String securityGroupId;
    public String ossBucket;
    public String ossPath;
    /** The compute spec in effect: what the serving tracking server runs with and what usage is metered at. */
    public String spec;
    /** A spec asked for by a resize that is not in effect yet (status UPDATING); null otherwise. */
    public String pendingSpec;
    /** During a resize: the port of the new tracking server until the load balancer forwards to it; null otherwise. */
    public Integer successorPort;
    public String trackingVersion;
    public InstanceStatus status;
    /** The status as last read from or written to the database: a difference is a transition to announce. */
    public InstanceStatus storedStatus;
    public SagaStep sagaStep;
    public String failureCode;
    public String failureMessage;
    public String trackingDatabase;
    public String backendHost;
    public Integer backendPort;
    public String vpcAddress;
    public Integer vpcPort;
    public String loadBalancerId;
    public String listenerId;
    public String aclId;
    /** How clients authenticate at the load balancer: {@code network} (ACL and security group) or {@code token}. */
    public String authMode = "network";
    /** SHA-256 of the secret the load balancer adds toward the tracking server (null: the provider adds none). */
    public String backendAuthDigest;
    public boolean computeReleased;
    public boolean networkReleased;
    public String requestedBy;
    public Instant createdAt;
    public Instant updatedAt;
    /** Start of the not yet metered running time; null while the instance is not running. */
    public Instant meteredFrom;
    public long version;

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
