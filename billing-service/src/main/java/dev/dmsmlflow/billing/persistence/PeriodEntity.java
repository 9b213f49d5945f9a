package dev.dmsmlflow.billing.persistence;

import dev.dmsmlflow.billing.domain.PeriodStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/** A workspace's billing period (a UTC month). Rating holds a share lock on it while it adds lines, closing an exclusive one. */
@Entity
@Table(name = "billing_period")
public class PeriodEntity {

    /** (workspace, first day of the month). */
    @Embeddable
    public record Key(@Column(name = "workspace_id") String workspaceId, @Column(name = "period_start") LocalDate periodStart)
            implements Serializable {
    }

    @EmbeddedId
    public Key key;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public PeriodStatus status;

    @Column(name = "closed_at")
    public Instant closedAt;

    @Column(name = "closed_by")
    public String closedBy;

    /** The statement's total when it was closed. */
    public BigDecimal total;

    @Column(name = "line_count")
    public Long lineCount;

    @Version
    public long version;
}
