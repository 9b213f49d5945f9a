package dev.dmsmlflow.billing.persistence;

import dev.dmsmlflow.billing.domain.ExportStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;
import java.time.LocalDate;

/** A FOCUS export of one workspace's billing period; its version guards the worker's state changes. */
@Entity
@Table(name = "billing_export")
public class ExportEntity {

    @Id
    public String id;

    @Column(name = "workspace_id", nullable = false)
    public String workspaceId;

    /** First day of the billing period (UTC month). */
    @Column(name = "period_start", nullable = false)
    public LocalDate periodStart;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public ExportStatus status;

    /** {@code SCHEDULE} or {@code ON_DEMAND}. */
    @Column(name = "trigger_kind", nullable = false)
    public String trigger;

    /** Comma-separated: {@code csv}, {@code parquet}. */
    @Column(nullable = false)
    public String formats;

    @Column(name = "requested_by")
    public String requestedBy;

    @Column(name = "requested_at", nullable = false)
    public Instant requestedAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "completed_at")
    public Instant completedAt;

    @Column(nullable = false)
    public int attempts;

    /** Where the manifest is (file:// or oss://). */
    public String location;

    @Column(name = "row_count")
    public Long rowCount;

    /** The manifest (JSON) once completed. */
    public String manifest;

    public String error;

    @Version
    public long version;
}
