package dev.dmsmlflow.notebook.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * An MLflow instance as instance-service's events describe it: enough to wire a session's tracking URI (workspace, VPC,
 * status, URI) and to keep notebook storage out of other workspaces' artifact roots. Written only by the instance topic's
 * consumer, in the order of the instance's events.
 */
@Entity
@Table(name = "mlflow_instance")
public class MlflowInstanceEntity {

    @Id
    @Column(name = "instance_id")
    public String instanceId;
    @Column(name = "workspace_id", nullable = false)
    public String workspaceId;
    @Column(name = "vpc_id")
    public String vpcId;
    @Column(name = "oss_bucket")
    public String ossBucket;
    @Column(name = "oss_path")
    public String ossPath;
    /** instance-service's status name (contracts' InstanceStatus). */
    @Column(nullable = false)
    public String status;
    @Column(name = "tracking_uri")
    public String trackingUri;
    @Column(name = "running_at")
    public Instant runningAt;
    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
