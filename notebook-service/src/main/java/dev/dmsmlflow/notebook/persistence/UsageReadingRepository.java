package dev.dmsmlflow.notebook.persistence;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Usage readings. */
@ApplicationScoped
public class UsageReadingRepository implements PanacheRepositoryBase<UsageReadingEntity, UUID> {

    /** A page of a session's readings in (window start, resource) order, after the reading at ({@code afterStart}, {@code afterResource}). */
    public List<UsageReadingEntity> page(String sessionId, Instant afterStart, String afterResource, int limit) {
        if (afterStart == null) {
            return find("sessionId = ?1 order by windowStart, resourceType", sessionId).page(0, limit).list();
        }
        return find("sessionId = ?1 and (windowStart > ?2 or (windowStart = ?2 and resourceType > ?3)) order by windowStart, resourceType",
                sessionId, afterStart, afterResource).page(0, limit).list();
    }
}
