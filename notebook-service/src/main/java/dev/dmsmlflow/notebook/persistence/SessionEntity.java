package dev.dmsmlflow.notebook.persistence;

import dev.dmsmlflow.notebook.domain.Effect;
import dev.dmsmlflow.notebook.domain.SessionStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;

/** A notebook session row. {@code version} guards concurrent writers (API, worker, idle releaser, consumer). */
@Entity
@Table(name = "notebook_session")
public class SessionEntity {

    @Id
    public String id;
    @Column(name = "workspace_id", nullable = false)
    public String workspaceId;
    @Column(nullable = false)
    public String name;
    @Column(name = "cluster_id", nullable = false)
    public String clusterId;
    @Column(name = "vpc_id", nullable = false)
    public String vpcId;
    @Column(nullable = false)
    public String address;
    /**
     * Where the running runtime actually is, when the runtime places the session at an address of its own (the kubernetes
     * runtime: the Pod's IP); null otherwise and whenever the session is not RUNNING. The view reports it over {@link #address}.
     */
    @Column(name = "runtime_address")
    public String runtimeAddress;
    @Column(nullable = false)
    public String image;
    @Column(nullable = false)
    public String spec;
    @Column(name = "development_mode", nullable = false)
    public boolean developmentMode;
    @Column(nullable = false)
    public String profile;
    @Column(name = "idle_release_minutes", nullable = false)
    public int idleReleaseMinutes;
    /** Persistent location URI; null for temporary storage. */
    public String storage;
    /** Normalized requirement specs, one per line. */
    @Column(nullable = false)
    public String packages;
    /** Variable names, one per line. */
    @Column(name = "env_names", nullable = false)
    public String envNames;
    /** The variables as a sealed JSON object (values are secrets). */
    @Column(name = "env_sealed")
    public String envSealed;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public SessionStatus status;
    @Column(name = "status_reason_code")
    public String statusReasonCode;
    @Column(name = "status_reason_message")
    public String statusReasonMessage;
    @Column(name = "progress_phase")
    public String progressPhase;
    @Column(name = "progress_message")
    public String progressMessage;
    @Enumerated(EnumType.STRING)
    @Column(name = "pending_action")
    public Effect pendingAction;
    /** The pending stop is an idle release (the session ends RELEASED, not STOPPED). */
    @Column(name = "idle_stop", nullable = false)
    public boolean idleStop;
    /** The tracking URI changed while the runtime runs: the worker hands it over. */
    @Column(name = "wiring_dirty", nullable = false)
    public boolean wiringDirty;
    @Column(name = "instance_id")
    public String instanceId;
    @Column(name = "tracking_uri")
    public String trackingUri;
    @Column(name = "runtime_info")
    public String runtimeInfo;
    @Column(name = "metered_from")
    public Instant meteredFrom;
    @Column(name = "running_since")
    public Instant runningSince;
    @Column(name = "last_activity_at")
    public Instant lastActivityAt;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
    @Version
    public long version;

    @Override
    public String toString() {
        return "Session[" + id + " " + workspaceId + "/" + name + " " + status + "]";
    }

    /** The address the session is reported at: its runtime's own while it runs at one, else the allocated one. */
    public String reportedAddress() {
        return runtimeAddress != null ? runtimeAddress : address;
    }
}
