package dev.dmsmlflow.billing;

import dev.dmsmlflow.billing.support.CpuClock;
import dev.dmsmlflow.billing.support.Eventually;
import dev.dmsmlflow.billing.support.Readings;
import dev.dmsmlflow.billing.support.UsageBus;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.LocalKafka;
import dev.dmsmlflow.infra.LocalPostgres;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Not a test: the billing benchmark (bench/billing/run.sh sets {@code dms.bench=true}; skipped otherwise). Prints usage
 * readings ingested and rated per second end to end (Kafka → consumer group → inbox, ledger and line items committed),
 * and the time to export 1,000,000 line items as CSV, as Parquet and as both.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "billing"))
@EnabledIfSystemProperty(named = "dms.bench", matches = "true")
class BillingBench {

    @Inject
    AgroalDataSource db;

    @Test
    void ingestAndExport() throws Exception {
        int events = Integer.getInteger("dms.bench.events", 200_000);
        int exportRows = Integer.getInteger("dms.bench.export-rows", 1_000_000);
        String run = "bench" + UUID.randomUUID().toString().substring(0, 6);
        try (UsageBus bus = new UsageBus()) {
            // warm-up: 20,000 readings, not measured
            List<UsageBus.Sent> warm = Readings.grid(new String[] {run + "-warm"}, run + "w", 50, 400, Instant.parse("2025-07-01T00:00:00Z"), 1)
                    .stream().map(r -> UsageBus.envelope(r.event())).toList();
            bus.send(warm);
            Eventually.until(() -> count("SELECT count(*) FROM usage_event WHERE workspace_id = ?", run + "-warm") == warm.size(),
                    Duration.ofMinutes(5), "warm-up");
            int subjects = 250;
            List<UsageBus.Sent> wire = Readings.grid(new String[] {run + "-a", run + "-b", run + "-c", run + "-d"}, run, subjects,
                    events / subjects, Instant.parse("2025-08-01T00:00:00Z"), 2).stream().map(r -> UsageBus.envelope(r.event())).toList();
            boolean sqlProbe = "sql".equals(System.getProperty("dms.bench.probe", "last"));
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            Cpu before = Cpu.now(threads);
            long t0 = System.nanoTime();
            Map<Integer, UsageBus.Sent> last = bus.send(wire);
            long sent = System.nanoTime();
            if (sqlProbe) {
                // the probe of the first figures: a count over the ledger every 50 ms (a scan of the growing table)
                Eventually.until(() -> count("SELECT count(*) FROM usage_event WHERE workspace_id LIKE ?", run + "-_") == wire.size(),
                        Duration.ofMinutes(15), "the measured readings");
            } else {
                // the reading at the end of each partition, by primary key: a poll commits whole and in partition order,
                // so once these are in the ledger everything before them is; the count below checks that once
                Eventually.until(() -> last.values().stream().allMatch(this::ledgered), Duration.ofMinutes(15), "the measured readings");
            }
            long done = System.nanoTime();
            Cpu after = Cpu.now(threads);
            long ledgered = count("SELECT count(*) FROM usage_event WHERE workspace_id LIKE ?", run + "-_");
            if (ledgered != wire.size()) {
                throw new AssertionError("the ledger holds " + ledgered + " of the " + wire.size() + " measured readings");
            }
            double k = wire.size() / 1000.0;
            System.out.printf("BENCH ingest: %,d readings; producer done after %.2f s; all ledgered and rated after %.2f s: %,.0f readings/s"
                    + " (probe: %s)%n", wire.size(), (sent - t0) / 1e9, (done - t0) / 1e9, wire.size() / ((done - t0) / 1e9),
                    sqlProbe ? "count every 50 ms" : "last reading per partition");
            System.out.printf("BENCH ingest CPU ms per 1,000 readings: service JVM %.1f (whole JVM %.1f, of it producer %.1f),"
                    + " PostgreSQL %.1f, broker %.1f; service JVM + PostgreSQL %.1f%n",
                    (after.jvm - before.jvm - (after.producer - before.producer)) * 1000 / k, (after.jvm - before.jvm) * 1000 / k,
                    (after.producer - before.producer) * 1000 / k, (after.postgres - before.postgres) * 1000 / k,
                    (after.broker - before.broker) * 1000 / k,
                    (after.jvm - before.jvm - (after.producer - before.producer) + after.postgres - before.postgres) * 1000 / k);
        }

        String ws = run + "-export";
        fill(ws, exportRows);
        for (List<String> formats : List.of(List.of("csv"), List.of("parquet"), List.of("csv", "parquet"))) {
            String body = "{\"period\":\"2025-09\",\"formats\":[\"" + String.join("\",\"", formats) + "\"]}";
            String id = ServiceTokens.editorOf(ws).contentType(ContentType.JSON).body(body).post("/billing/exports").then().statusCode(202)
                    .extract().path("id");
            JsonPath j = Eventually.get(() -> {
                JsonPath x = ServiceTokens.viewerOf(ws).get("/billing/exports/" + id).then().statusCode(200).extract().jsonPath();
                return "COMPLETED".equals(x.getString("status")) || "FAILED".equals(x.getString("status")) ? x : null;
            }, Duration.ofMinutes(10), "export " + id);
            Duration took = Duration.between(Instant.parse(j.getString("startedAt")), Instant.parse(j.getString("completedAt")));
            System.out.printf("BENCH export %s: %s, %,d rows in %.2f s (claim to completion: read, write, checksums, sink)%n", formats,
                    j.getString("status"), j.getLong("rowCount"), took.toMillis() / 1000.0);
        }
    }

    /** CPU seconds so far: this JVM, its producer side (this thread and the producers' I/O threads), PostgreSQL, the broker. */
    private record Cpu(double jvm, double producer, double postgres, double broker) {
        static Cpu now(ThreadMXBean threads) {
            return new Cpu(CpuClock.self(), threads.getCurrentThreadCpuTime() / 1e9 + CpuClock.threads("kafka-producer-network-thread"),
                    CpuClock.tree(LocalPostgres.shared().postmasterPid()),
                    LocalKafka.shared().brokerProcess().map(p -> CpuClock.process(p.pid(), true)).orElse(0.0));
        }
    }

    private boolean ledgered(UsageBus.Sent s) {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM usage_event WHERE source = ? AND event_id = ?")) {
            ps.setString(1, s.source());
            ps.setString(2, s.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code rows} line items billed in 2025-09 for {@code ws}, straight in SQL (the export is measured, not the rating). */
    private void fill(String ws, int rows) throws Exception {
        String sql = """
                INSERT INTO line_item (id, workspace_id, billing_period, charge_period_start, charge_period_end, charge_class, sku_id,
                                       price_version_id, service_name, description, resource_id, resource_type, spec, quantity, unit,
                                       unit_price, cost, currency, source, event_id)
                SELECT gen_random_uuid(), ?, DATE '2025-09-01', h, h + interval '1 hour', NULL, 'MLFLOW-INSTANCE-SMALL',
                       'MLFLOW-INSTANCE-SMALL:2025-01', 'DMS MLflow', 'MLflow instance mlflow.small (1 vCPU, 2 GiB), per hour',
                       'mlf-' || (g % 1400), 'MLflow instance', 'mlflow.small', q, 'Hours', 0.350000, q * 0.350000, 'CNY',
                       '/instance-service', 'e' || g
                FROM generate_series(1, ?) g,
                     LATERAL (SELECT TIMESTAMPTZ '2025-09-01 00:00:00+00' + ((g / 1400) % 720) * interval '1 hour' AS h,
                                     round((g % 1000000) / 1000000.0, 6) AS q) x""";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, ws);
            ps.setInt(2, rows);
            ps.executeUpdate();
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO billing_period (workspace_id, period_start) VALUES (?, DATE '2025-09-01') ON CONFLICT DO NOTHING")) {
            ps.setString(1, ws);
            ps.executeUpdate();
        }
    }

    private long count(String sql, String arg) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
