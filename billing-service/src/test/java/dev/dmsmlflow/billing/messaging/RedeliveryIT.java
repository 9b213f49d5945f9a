package dev.dmsmlflow.billing.messaging;

import dev.dmsmlflow.billing.application.Ledger;
import dev.dmsmlflow.billing.domain.Usage;
import dev.dmsmlflow.billing.support.Eventually;
import dev.dmsmlflow.billing.support.Readings;
import dev.dmsmlflow.billing.support.Readings.Reading;
import dev.dmsmlflow.billing.support.UsageBus;
import dev.dmsmlflow.billing.support.UsageBus.Sent;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The usage consumer after a crash, and when what it finds in the database is not what a first delivery leaves: the
 * database is left as the fast path's writer leaves it at the moment of a crash (its transaction committed but the
 * poll's offsets not, or not committed), the readings come back through the real broker and consumer group, and each is
 * billed once.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class RedeliveryIT {

    private static UsageBus bus;

    @Inject
    AgroalDataSource db;

    @Inject
    Ledger ledger;

    @Inject
    UsageEventsConsumer consumer;

    @BeforeAll
    static void connect() {
        bus = new UsageBus();
    }

    @AfterAll
    static void disconnect() {
        bus.close();
    }

    @Test
    void aReadingInTheLedgerButNotInTheInboxIsNotBilledTwice() {
        String ws = "ws-noinbox-" + UUID.randomUUID().toString().substring(0, 8);
        List<Reading> readings = hours(ws, 3);
        // the ledger has the first reading, the inbox does not (e.g. its row was removed by hand): the fast path's COPY
        // meets the entry, its transaction fails, and the general path (ON CONFLICT) takes the poll
        Sent first = UsageBus.envelope(readings.get(0).event());
        QuarkusTransaction.requiringNew().run(() -> ledger.recordUsages(List.of(Usage.of(first.source(), first.id(), first.event()))));
        assertEquals(1, count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws));

        bus.send(readings.stream().map(r -> UsageBus.envelope(r.event())).toList());
        Eventually.until(() -> count("SELECT count(*) FROM usage_event WHERE workspace_id = ?", ws) == 3, Duration.ofSeconds(60),
                "the other readings");
        Eventually.until(bus::drained, Duration.ofSeconds(60), "the poll to be consumed");
        assertBilledOnce(ws, readings);
        // and the inbox now knows all three (the general path's transaction wrote their rows)
        for (Reading r : readings) {
            Sent s = UsageBus.envelope(r.event());
            assertEquals(1, count("SELECT count(*) FROM inbox_event WHERE consumer = '" + UsageEventsConsumer.CONSUMER
                    + "' AND event_id = ?", s.source() + " " + s.id()));
        }
    }

    @Test
    void aPollCommittedButNotAcknowledgedWhenTheServiceDiedIsNotBilledAgainWhenRedelivered() {
        String ws = "ws-crash1-" + UUID.randomUUID().toString().substring(0, 8);
        List<Sent> sent = hours(ws, 8).stream().map(r -> UsageBus.envelope(r.event())).toList();
        List<Sent> committed = sent.subList(0, 4);
        // poll N's transaction committed as the writer commits it; the service died before its offsets were committed (and
        // with poll N+1 decoded, not written): after the restart the group gets both polls again
        QuarkusTransaction.requiringNew().run(() -> assertEquals(4, consumer.store(usages(committed), keys(committed))));
        assertEquals(4, count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws));

        bus.send(sent);
        Eventually.until(() -> count("SELECT count(*) FROM usage_event WHERE workspace_id = ?", ws) == 8, Duration.ofSeconds(60),
                "poll N+1's readings");
        Eventually.until(bus::drained, Duration.ofSeconds(60), "both polls to be consumed");
        assertBilledOnce(ws, hours(ws, 8));
    }

    @Test
    void aPollDecodedButNotCommittedWhenTheServiceDiedIsBilledOnceWhenRedelivered() {
        String ws = "ws-crash2-" + UUID.randomUUID().toString().substring(0, 8);
        List<Sent> sent = hours(ws, 4).stream().map(r -> UsageBus.envelope(r.event())).toList();
        // the writer was inside poll N's transaction (inbox rows and ledger written, not committed) when the service died
        RuntimeException crash = new IllegalStateException("the service died before the commit");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
            assertEquals(4, consumer.store(usages(sent), keys(sent)));
            throw crash;
        }));
        assertEquals(crash, thrown);
        assertEquals(0, count("SELECT count(*) FROM usage_event WHERE workspace_id = ?", ws));
        assertEquals(0, count("SELECT count(*) FROM inbox_event WHERE event_id = ?", UsageEventsConsumer.inboxKey(sent.get(0).source(),
                sent.get(0).id())));

        bus.send(sent);
        Eventually.until(() -> count("SELECT count(*) FROM usage_event WHERE workspace_id = ?", ws) == 4, Duration.ofSeconds(60),
                "the redelivered readings");
        Eventually.until(bus::drained, Duration.ofSeconds(60), "the poll to be consumed");
        assertBilledOnce(ws, hours(ws, 4));
    }

    private static List<Usage> usages(List<Sent> sent) {
        return sent.stream().map(s -> Usage.of(s.source(), s.id(), s.event())).toList();
    }

    private static List<String> keys(List<Sent> sent) {
        return sent.stream().map(s -> UsageEventsConsumer.inboxKey(s.source(), s.id())).toList();
    }

    /** {@code n} consecutive hours of one medium instance of {@code ws}, a different quantity each. */
    private static List<Reading> hours(String ws, int n) {
        List<Reading> out = new ArrayList<>();
        Instant start = Instant.parse("2025-05-03T00:00:00Z");
        for (int i = 0; i < n; i++) {
            out.add(Readings.of(1, ws, ws + "-mlf", start.plus(i, ChronoUnit.HOURS), new BigDecimal("0.25").add(BigDecimal.valueOf(i))
                    .setScale(6)));
        }
        return out;
    }

    /** Every reading once in the ledger, one line each, and the lines' costs summing to the readings' exact cost. */
    private void assertBilledOnce(String ws, List<Reading> readings) {
        assertEquals(readings.size(), count("SELECT count(*) FROM usage_event WHERE workspace_id = ?", ws));
        assertEquals(readings.size(), count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws));
        assertEquals(readings.size(), count("SELECT count(DISTINCT event_id) FROM line_item WHERE workspace_id = ?", ws));
        BigDecimal exact = readings.stream().map(Reading::exactCost).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, exact.compareTo(sum("SELECT sum(cost) FROM line_item WHERE workspace_id = ?", ws)), "total cost of " + ws);
    }

    private long count(String sql, String arg) {
        return sum(sql, arg).longValueExact();
    }

    private BigDecimal sum(String sql, String arg) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                BigDecimal v = rs.getBigDecimal(1);
                return v == null ? BigDecimal.ZERO : v;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
