package dev.dmsmlflow.notebook.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** One metered window of one resource of a session; its id is the UsageMetered event's meterId (deterministic). */
@Entity
@Table(name = "usage_reading")
public class UsageReadingEntity {

    @Id
    @Column(name = "meter_id")
    public UUID meterId;
    @Column(name = "session_id", nullable = false)
    public String sessionId;
    @Column(name = "workspace_id", nullable = false)
    public String workspaceId;
    @Column(name = "resource_type", nullable = false)
    public String resourceType;
    @Column(nullable = false)
    public String unit;
    @Column(nullable = false)
    public String spec;
    @Column(name = "window_start", nullable = false)
    public Instant windowStart;
    @Column(name = "window_end", nullable = false)
    public Instant windowEnd;
    @Column(nullable = false, precision = 20, scale = 6)
    public BigDecimal quantity;
    @Column(name = "metered_at", nullable = false)
    public Instant meteredAt;
}
