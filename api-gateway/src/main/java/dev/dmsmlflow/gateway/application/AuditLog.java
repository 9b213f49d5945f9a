package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.persistence.AuditEntryEntity;
import dev.dmsmlflow.gateway.persistence.AuditRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** The append-only audit log of mutating calls. */
@ApplicationScoped
public class AuditLog {

    private final AuditRepository entries;

    AuditLog(AuditRepository entries) {
        this.entries = entries;
    }

    /** Appends an entry in a transaction of its own. Blocking. */
    public void append(AuditEntryEntity entry) {
        QuarkusTransaction.requiringNew().run(() -> entries.persist(entry));
    }

    /** A workspace's entries older than {@code beforeId} (all when null), newest first. Blocking. */
    public List<AuditEntryEntity> page(String workspaceId, Long beforeId, int limit) {
        return QuarkusTransaction.requiringNew().call(() -> entries.page(workspaceId, beforeId, limit));
    }
}
