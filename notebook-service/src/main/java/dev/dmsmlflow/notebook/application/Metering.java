package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.contracts.usage.ResourceType;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import dev.dmsmlflow.contracts.usage.UsageUnit;
import dev.dmsmlflow.notebook.domain.Spec;
import dev.dmsmlflow.notebook.domain.UsageWindows;
import dev.dmsmlflow.notebook.persistence.SessionEntity;
import dev.dmsmlflow.notebook.persistence.UsageReadingEntity;
import dev.dmsmlflow.notebook.persistence.UsageReadingRepository;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A RUNNING session's usage as UsageMetered readings: per hour window (UTC), vCPU-hours and GiB-hours of its
 * specification; the window a stop falls in ends at the stop. A reading's id derives from the session, the resource and
 * the window's start, and a usage_reading row guards it, so metering the same time twice publishes nothing new.
 */
@ApplicationScoped
public class Metering {

    private final EventPublisher publisher;
    private final UsageReadingRepository readings;

    Metering(EventPublisher publisher, UsageReadingRepository readings) {
        this.publisher = publisher;
        this.readings = readings;
    }

    /** Deterministic id of a session's reading of {@code resource} for the window starting at {@code windowStart}. */
    public static UUID meterId(String sessionId, ResourceType resource, Instant windowStart) {
        String name = UsageSubjectType.NOTEBOOK_SESSION + "|" + sessionId + "|" + resource + "|" + windowStart;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Publishes the readings of {@code s} from its {@code meteredFrom} up to {@code until} (ended hours; with {@code closing}
     * also the partial last window) and advances {@code meteredFrom} (null after closing). Needs the caller's transaction,
     * in which the session is locked.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<UsageMetered> meter(SessionEntity s, Instant until, boolean closing) {
        List<UsageMetered> out = new ArrayList<>();
        if (s.meteredFrom == null) {
            return out;
        }
        Spec spec = Spec.parse(s.spec).orElseThrow();
        Instant last = s.meteredFrom;
        for (UsageWindows.Window w : UsageWindows.between(s.meteredFrom, until, closing)) {
            publish(s, w, ResourceType.COMPUTE, UsageUnit.VCPU_HOURS, spec.cpus(), out);
            publish(s, w, ResourceType.MEMORY, UsageUnit.GIB_HOURS, spec.memoryGib(), out);
            last = w.end();
        }
        s.meteredFrom = closing ? null : last;
        return out;
    }

    private void publish(SessionEntity s, UsageWindows.Window w, ResourceType resource, UsageUnit unit, int units, List<UsageMetered> out) {
        UUID id = meterId(s.id, resource, w.start());
        if (readings.findByIdOptional(id).isPresent()) {
            return;
        }
        Instant now = Instant.now();
        UsageMetered reading = new UsageMetered(id.toString(), UsageSubjectType.NOTEBOOK_SESSION, s.id, s.workspaceId, resource,
                s.spec, w.start(), w.end(), UsageWindows.quantity(units, w), unit, now, s.name);
        UsageReadingEntity row = new UsageReadingEntity();
        row.meterId = id;
        row.sessionId = s.id;
        row.workspaceId = s.workspaceId;
        row.resourceType = resource.name();
        row.unit = unit.name();
        row.spec = s.spec;
        row.windowStart = w.start();
        row.windowEnd = w.end();
        row.quantity = reading.quantity();
        row.meteredAt = now;
        readings.persist(row);
        publisher.publish(reading, id);
        out.add(reading);
    }
}
