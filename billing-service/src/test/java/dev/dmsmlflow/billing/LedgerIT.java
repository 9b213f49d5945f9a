package dev.dmsmlflow.billing;

import dev.dmsmlflow.billing.messaging.UsageEventsConsumer;
import dev.dmsmlflow.billing.support.Eventually;
import dev.dmsmlflow.billing.support.Readings;
import dev.dmsmlflow.billing.support.Readings.Reading;
import dev.dmsmlflow.billing.support.UsageBus;
import dev.dmsmlflow.billing.support.UsageBus.Sent;
import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ledger on the real broker and database: readings of instance-service and notebook-service arrive through
 * {@code dms.usage} and billing-service's consumer group, duplicated, shuffled, replayed, late, across a price change.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class LedgerIT {

    private static UsageBus bus;

    @Inject
    AgroalDataSource db;

    @BeforeAll
    static void connect() {
        bus = new UsageBus();
    }

    @AfterAll
    static void disconnect() {
        bus.close();
    }

    @Test
    void hundredThousandReadingsWithDuplicatesShuffledAndThenReplayedAreBilledExactlyOnce() {
        String run = "led" + UUID.randomUUID().toString().substring(0, 8);
        String[] workspaces = new String[5];
        for (int i = 0; i < workspaces.length; i++) {
            workspaces[i] = "ws-" + run + "-" + i;
        }
        // 125 subjects × 800 hours from 1 May 2025: May and part of June, five workspaces, every SKU
        List<Reading> readings = Readings.grid(workspaces, run, 125, 800, Instant.parse("2025-05-01T00:00:00Z"), 12);
        assertEquals(100_000, readings.size());
        List<Sent> wire = new ArrayList<>(110_000);
        for (Reading r : readings) {
            wire.add(UsageBus.envelope(r.event()));
        }
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            wire.add(UsageBus.envelope(readings.get(random.nextInt(readings.size())).event())); // a redelivery: same source and id
        }
        Collections.shuffle(wire, random);

        long started = System.nanoTime();
        bus.send(wire);
        Eventually.until(() -> count("SELECT count(*) FROM usage_event WHERE workspace_id LIKE ?", "ws-" + run + "-%") == 100_000,
                Duration.ofMinutes(4), "100,000 ledger entries");
        Eventually.until(bus::drained, Duration.ofMinutes(2), "the consumer group to commit the whole topic");
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("LedgerIT: 110,000 readings (10,000 duplicates) sent, ledgered and rated in %.1f s (%.0f/s)%n", seconds,
                110_000 / seconds);

        Map<String, BigDecimal> exact = expectedExact(readings);
        Map<String, BigDecimal> statementTotals = expectedStatementTotals(readings);
        assertLedgerMatches(run, exact, statementTotals, workspaces);
        long lines = count("SELECT count(*) FROM line_item WHERE workspace_id LIKE ?", "ws-" + run + "-%");
        assertEquals(100_000, lines, "one line per reading (each is inside one hour)");

        long replayed = bus.replayAll();
        assertTrue(replayed >= 110_000, "replayed " + replayed);
        Eventually.until(bus::drained, Duration.ofMinutes(4), "the replay to be consumed and committed");
        assertLedgerMatches(run, exact, statementTotals, workspaces);
        assertEquals(100_000, count("SELECT count(*) FROM usage_event WHERE workspace_id LIKE ?", "ws-" + run + "-%"));
        assertEquals(lines, count("SELECT count(*) FROM line_item WHERE workspace_id LIKE ?", "ws-" + run + "-%"));
    }

    @Test
    void aPriceChangeMidMonthRatesEachHourAtThePriceInForce() {
        String ws = "ws-price-" + UUID.randomUUID().toString().substring(0, 8);
        List<Sent> wire = new ArrayList<>();
        for (String hour : List.of("2025-03-15T22:00:00Z", "2025-03-15T23:00:00Z", "2025-03-16T00:00:00Z", "2025-03-16T01:00:00Z")) {
            Reading r = Readings.of(0, ws, ws + "-mlf", Instant.parse(hour), BigDecimal.ONE.setScale(6));
            var m = r.event();
            wire.add(UsageBus.envelope(new dev.dmsmlflow.contracts.usage.UsageMetered(m.meterId(), m.subjectType(), m.subjectId(),
                    m.workspaceId(), m.resourceType(), "test.step", m.windowStart(), m.windowEnd(), m.quantity(), m.unit(), m.meteredAt())));
        }
        bus.send(wire);
        Eventually.until(() -> count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws) == 4, Duration.ofSeconds(60),
                "four line items");

        JsonPath s = statement(ws, "2025-03");
        assertEquals(2, s.getList("lines").size());
        assertEquals("TEST-STEP:2025-03a", s.getString("lines[0].priceVersionId"));
        assertEquals(new BigDecimal("1.00"), new BigDecimal(s.getString("lines[0].amount")));
        assertEquals("TEST-STEP:2025-03b", s.getString("lines[1].priceVersionId"));
        assertEquals(new BigDecimal("1.60"), new BigDecimal(s.getString("lines[1].amount")));
        assertEquals(new BigDecimal("2.60"), new BigDecimal(s.getString("total")));
    }

    @Test
    void aLateReadingForAClosedPeriodIsACorrectionInTheNextOpenOne() {
        String ws = "ws-late-" + UUID.randomUUID().toString().substring(0, 8);
        Reading onTime = Readings.of(1, ws, ws + "-mlf", Instant.parse("2025-02-10T10:00:00Z"), BigDecimal.ONE.setScale(6));
        bus.send(List.of(UsageBus.envelope(onTime.event())));
        Eventually.until(() -> count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws) == 1, Duration.ofSeconds(60), "the line");

        JsonPath closed = decimals(ServiceTokens.ownerOf(ws).post("/billing/statements/2025-02/close").then().statusCode(200).extract().asString());
        assertEquals("CLOSED", closed.getString("status"));
        assertEquals(new BigDecimal("0.70"), new BigDecimal(closed.getString("total")));
        ServiceTokens.ownerOf(ws).post("/billing/statements/2025-02/close").then().statusCode(409);
        ServiceTokens.editorOf(ws).post("/billing/statements/2025-01/close").then().statusCode(403);

        Reading late = Readings.of(1, ws, ws + "-mlf", Instant.parse("2025-02-11T10:00:00Z"), new BigDecimal("0.500000"));
        bus.send(List.of(UsageBus.envelope(late.event()), UsageBus.envelope(late.event())));
        Eventually.until(() -> count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws) == 2, Duration.ofSeconds(60),
                "the correction line");
        Eventually.until(bus::drained, Duration.ofSeconds(60), "the duplicate to be consumed");
        assertEquals(2, count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws));

        JsonPath feb = statement(ws, "2025-02");
        assertEquals("CLOSED", feb.getString("status"));
        assertEquals(1, feb.getList("lines").size());
        assertEquals(new BigDecimal("0.70"), new BigDecimal(feb.getString("total")));
        assertNull(feb.get("lines[0].chargeClass"));

        JsonPath mar = statement(ws, "2025-03");
        assertEquals("OPEN", mar.getString("status"));
        assertEquals(1, mar.getList("lines").size());
        assertEquals("Correction", mar.getString("lines[0].chargeClass"));
        assertEquals(new BigDecimal("0.35"), new BigDecimal(mar.getString("lines[0].amount")));
        assertEquals("2025-02-11T10:00:00Z", mar.getString("lines[0].firstCharge"));
        assertEquals(new BigDecimal("0.35"), new BigDecimal(mar.getString("total")));
    }

    @Test
    void anUnbillableReadingAmongGoodOnesIsDeadLetteredAloneAndTheOthersAreBilledOnce() {
        String ws = "ws-poison-" + UUID.randomUUID().toString().substring(0, 8);
        Reading before = Readings.of(1, ws, ws + "-mlf", Instant.parse("2025-04-02T10:00:00Z"), new BigDecimal("1.000000"));
        Reading after = Readings.of(1, ws, ws + "-mlf", Instant.parse("2025-04-02T11:00:00Z"), new BigDecimal("0.500000"));
        UsageMetered ok = Readings.of(1, ws, ws + "-mlf", Instant.parse("2025-04-02T12:00:00Z"), BigDecimal.ONE.setScale(6)).event();
        // a window that ends where it starts: no one can bill it
        UsageMetered empty = new UsageMetered(ok.meterId(), ok.subjectType(), ok.subjectId(), ok.workspaceId(), ok.resourceType(),
                ok.spec(), ok.windowStart(), ok.windowStart(), ok.quantity(), ok.unit(), ok.meteredAt(), ok.subjectName());
        Sent poison = UsageBus.envelope(empty);
        // sent together, so that they share a poll: the poll leaves the fast path and is handled record by record
        bus.send(List.of(UsageBus.envelope(before.event()), poison, UsageBus.envelope(after.event()), UsageBus.envelope(before.event())));
        Eventually.until(bus::drained, Duration.ofSeconds(60), "the poll to be consumed");
        assertEquals(2, count("SELECT count(*) FROM usage_event WHERE workspace_id = ?", ws));
        assertEquals(2, count("SELECT count(*) FROM line_item WHERE workspace_id = ?", ws));
        List<ConsumerRecord<String, String>> dead = bus.deadLetters().stream()
                .filter(r -> poison.id().equals(header(r, "ce_id"))).toList();
        assertEquals(1, dead.size(), "the unbillable reading, once, in " + UsageBus.DEAD_LETTERS);
        assertEquals("undecodable", header(dead.get(0), DeadLetters.KIND));
        assertEquals(UsageEventsConsumer.CONSUMER, header(dead.get(0), DeadLetters.CONSUMER));
        // 1.000000 + 0.500000 instance-hours of mlflow.medium at 0.70
        assertEquals(0, new BigDecimal("1.05").compareTo(sum("SELECT sum(cost) FROM line_item WHERE workspace_id = ?", ws)));
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Exact cost per workspace and month, from the test's own prices. */
    private static Map<String, BigDecimal> expectedExact(List<Reading> readings) {
        Map<String, BigDecimal> out = new TreeMap<>();
        for (Reading r : readings) {
            out.merge(key(r), r.exactCost(), BigDecimal::add);
        }
        return out;
    }

    /** A statement's total: each (SKU, resource) line's exact cost rounded half-up to the fen, then summed. */
    private static Map<String, BigDecimal> expectedStatementTotals(List<Reading> readings) {
        Map<String, BigDecimal> lines = new HashMap<>();
        for (Reading r : readings) {
            lines.merge(key(r) + "|" + r.sku() + "|" + r.event().subjectId(), r.exactCost(), BigDecimal::add);
        }
        Map<String, BigDecimal> out = new TreeMap<>();
        lines.forEach((k, v) -> out.merge(k.substring(0, k.indexOf('|', k.indexOf('|') + 1)), v.setScale(2, RoundingMode.HALF_UP),
                BigDecimal::add));
        return out;
    }

    private static String key(Reading r) {
        return r.event().workspaceId() + "|" + YearMonth.from(r.event().windowStart().atZone(ZoneOffset.UTC));
    }

    private void assertLedgerMatches(String run, Map<String, BigDecimal> exact, Map<String, BigDecimal> statementTotals,
                                     String[] workspaces) {
        Map<String, BigDecimal> actual = new TreeMap<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT workspace_id, to_char(billing_period, 'YYYY-MM'), sum(cost) FROM line_item WHERE workspace_id LIKE ? GROUP BY 1, 2")) {
            ps.setString(1, "ws-" + run + "-%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    actual.put(rs.getString(1) + "|" + rs.getString(2), rs.getBigDecimal(3));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        assertEquals(exact.keySet(), actual.keySet());
        exact.forEach((k, v) -> assertEquals(0, v.compareTo(actual.get(k)), k + ": expected " + v + ", ledger " + actual.get(k)));
        for (String ws : workspaces) {
            for (String month : List.of("2025-05", "2025-06")) {
                JsonPath s = statement(ws, month);
                BigDecimal total = new BigDecimal(s.getString("total"));
                assertEquals(statementTotals.get(ws + "|" + month), total, ws + " " + month);
                BigDecimal sum = s.getList("lines.amount", BigDecimal.class).stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                assertEquals(0, total.compareTo(sum), "the statement's total is the sum of its lines");
            }
        }
    }

    /** A statement as JSON whose numbers read as BigDecimal (never through a double). */
    static JsonPath statement(String ws, String month) {
        return decimals(ServiceTokens.viewerOf(ws).get("/billing/statements/" + month).then().statusCode(200).extract().asString());
    }

    static JsonPath decimals(String body) {
        return JsonPath.from(body).using(new JsonPathConfig(JsonPathConfig.NumberReturnType.BIG_DECIMAL));
    }

    private long count(String sql, String arg) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private BigDecimal sum(String sql, String arg) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
