package dev.dmsmlflow.gateway.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.Immutable;

import java.time.Instant;

/** One audited call; written once, never changed (the table's triggers refuse it too). */
@Entity
@Immutable
@Table(name = "audit_entries")
public class AuditEntryEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;

    @Column(name = "request_id", nullable = false)
    public String requestId;

    @Column(name = "member_id", nullable = false)
    public String memberId;

    @Column(name = "key_id")
    public String keyId;

    @Column(name = "workspace_id")
    public String workspaceId;

    @Column(nullable = false)
    public String action;

    @Column(name = "resource_type", nullable = false)
    public String resourceType;

    @Column(name = "resource_id")
    public String resourceId;

    @Column(nullable = false)
    public int outcome;

    @Column(nullable = false)
    public String method;

    @Column(nullable = false)
    public String path;
}
