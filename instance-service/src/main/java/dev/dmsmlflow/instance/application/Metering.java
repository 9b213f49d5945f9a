package dev.dmsmlflow.instance.application;

import dev.dmsmlflow.contracts.usage.ResourceType;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import dev.dmsmlflow.contracts.usage.UsageUnit;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.platform.quarkus.EventPublisher;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Turns an instance's running time into UsageMetered readings, one per hour window (UTC hours); a window
 * that starts inside an hour (the instance became Running then) or ends inside one (stop, release) is partial.
 * A reading's id is derived from the instance and the start of its window, and a usage_reading row guards
 * it, so metering the same time twice emits nothing new. Each reading carries the spec in effect during its window: a
 * resize ends a window at the moment the new spec takes over ({@code meter(i, switchAt, true)} before the spec changes).
 */
@ApplicationScoped
public class Metering {

    /** Scale of instance-hour quantities: microhours (3.6 ms). */
    public static final int QUANTITY_SCALE = 6;
    private static final BigDecimal MILLIS_PER_HOUR = BigDecimal.valueOf(Duration.ofHours(1).toMillis());

    private final EventPublisher publisher;
    private final AgroalDataSource dataSource;

    Metering(EventPublisher publisher, AgroalDataSource dataSource) {
        this.publisher = publisher;
        this.dataSource = dataSource;
    }

    /** Deterministic id of the reading of {@code instanceId}'s compute for the window starting at {@code windowStart}. */
    public static UUID meterId(String instanceId, Instant windowStart) {
        String name = UsageSubjectType.MLFLOW_INSTANCE + "|" + instanceId + "|" + ResourceType.COMPUTE + "|" + windowStart;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    /** Instance-hours between two instants, rounded half-up to {@link #QUANTITY_SCALE} decimals. */
    public static BigDecimal instanceHours(Instant from, Instant to) {
        return BigDecimal.valueOf(Duration.between(from, to).toMillis()).divide(MILLIS_PER_HOUR, QUANTITY_SCALE, RoundingMode.HALF_UP);
    }

    /**
     * Emits the readings of {@code instance} from its {@code meteredFrom} up to {@code until}: every hour window
     * that has ended, plus (when {@code finalWindow}) the partial window ending at {@code until}. Advances
     * {@code meteredFrom} (null after a final window); the caller persists the instance in the same transaction.
     *
     * @return the readings emitted now (not those emitted before)
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<UsageMetered> meter(Instance instance, Instant until, boolean finalWindow) {
        List<UsageMetered> emitted = new ArrayList<>();
        Instant start = instance.meteredFrom;
        if (start == null) {
            return emitted;
        }
        while (start.isBefore(until)) {
            Instant hourEnd = start.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
            Instant end;
            if (!hourEnd.isAfter(until)) {
                end = hourEnd;
            } else if (finalWindow) {
                end = until;
            } else {
                break;
            }
            UsageMetered reading = new UsageMetered(meterId(instance.id, start).toString(), UsageSubjectType.MLFLOW_INSTANCE,
                    instance.id, instance.workspaceId, ResourceType.COMPUTE, instance.spec, start, end,
                    instanceHours(start, end), UsageUnit.INSTANCE_HOURS, Instant.now(), instance.name);
            if (record(reading)) {
                publisher.publish(reading, UUID.fromString(reading.meterId()));
                emitted.add(reading);
            }
            start = end;
        }
        instance.meteredFrom = finalWindow ? null : start;
        return emitted;
    }

    /** A reading as stored: one metered window of an instance's compute, at a spec (null for readings older than that column). */
    public record Reading(UUID meterId, Instant windowStart, Instant windowEnd, BigDecimal quantity, String spec) {
    }

    /** Up to {@code limit} readings of an instance, oldest window first, starting after the window that began at {@code after}. */
    public List<Reading> readings(String instanceId, Instant after, int limit) {
        String sql = "SELECT meter_id, window_start, window_end, quantity, spec FROM usage_reading WHERE instance_id = ?"
                + (after == null ? "" : " AND window_start > ?") + " ORDER BY window_start LIMIT ?";
        List<Reading> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int k = 1;
            ps.setString(k++, instanceId);
            if (after != null) {
                ps.setTimestamp(k++, Timestamp.from(after));
            }
            ps.setInt(k, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Reading(rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant(),
                            rs.getBigDecimal(4).setScale(QUANTITY_SCALE, RoundingMode.HALF_UP), rs.getString(5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the usage of " + instanceId, e);
        }
        return out;
    }

    private boolean record(UsageMetered r) {
        String sql = "INSERT INTO usage_reading (meter_id, instance_id, window_start, window_end, quantity, metered_at, spec) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (meter_id) DO NOTHING";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, UUID.fromString(r.meterId()));
            ps.setString(2, r.subjectId());
            ps.setTimestamp(3, Timestamp.from(r.windowStart()));
            ps.setTimestamp(4, Timestamp.from(r.windowEnd()));
            ps.setBigDecimal(5, r.quantity());
            ps.setTimestamp(6, Timestamp.from(r.meteredAt()));
            ps.setString(7, r.spec());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("could not record usage of " + r.subjectId(), e);
        }
    }
}
