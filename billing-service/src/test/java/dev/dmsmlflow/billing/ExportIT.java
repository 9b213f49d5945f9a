package dev.dmsmlflow.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.billing.support.Eventually;
import dev.dmsmlflow.billing.support.Readings;
import dev.dmsmlflow.billing.support.Readings.Reading;
import dev.dmsmlflow.billing.support.UsageBus;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.contracts.billing.BillingExportCompleted;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.LocalKafka;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A month's FOCUS 1.2 export, end to end: readings through Kafka, an export asked for over the API, its CSV and Parquet
 * files read back by an independent reader (DuckDB) and checked against the FOCUS rules and the manifest, the
 * BillingExportCompleted event on {@code dms.billing}; and another workspace sees none of it.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class ExportIT {

    /** FOCUS 1.2 columns that must never be null in our rows (the mandatory ones, and the conditional ones our usage charges have). */
    static final List<String> NOT_NULL = List.of("BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
            "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeDescription", "ChargeFrequency",
            "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
            "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingQuantity",
            "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
            "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "Tags", "x_LineItemId");
    /** Columns FOCUS requires to be present though they may be null. */
    static final List<String> NULLABLE = List.of("ChargeClass", "InvoiceId");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static UsageBus bus;

    @BeforeAll
    static void connect() {
        bus = new UsageBus();
    }

    @AfterAll
    static void disconnect() {
        bus.close();
    }

    @Test
    void aMonthsExportValidatesAgainstTheFocusRulesAndItsManifestAndIsInvisibleToAnotherWorkspace() throws Exception {
        String ws = "ws-exp-" + UUID.randomUUID().toString().substring(0, 8);
        String other = "ws-oth-" + UUID.randomUUID().toString().substring(0, 8);
        // 10 subjects (every SKU twice) × 72 hours in April 2025
        List<Reading> readings = Readings.grid(new String[] {ws}, ws, 10, 72, Instant.parse("2025-04-28T00:00:00Z").minus(Duration.ofDays(3)), 3);
        List<UsageBus.Sent> wire = readings.stream().map(r -> UsageBus.envelope(r.event())).toList();
        bus.send(wire);
        Eventually.until(() -> lineCount(ws) == readings.size(), Duration.ofSeconds(90), "the readings to be rated");
        BigDecimal exact = readings.stream().map(Reading::exactCost).reduce(BigDecimal.ZERO, BigDecimal::add);

        String id = ServiceTokens.editorOf(ws).contentType(ContentType.JSON).body("{\"period\":\"2025-04\",\"formats\":[\"csv\",\"parquet\"]}")
                .post("/billing/exports").then().statusCode(202).extract().path("id");
        ServiceTokens.viewerOf(ws).contentType(ContentType.JSON).body("{\"period\":\"2025-04\"}").post("/billing/exports").then().statusCode(403);
        String[] last = {null};
        JsonPath done;
        try {
            done = Eventually.get(() -> {
                last[0] = ServiceTokens.viewerOf(ws).get("/billing/exports/" + id).then().statusCode(200).extract().asString();
                JsonPath j = LedgerIT.decimals(last[0]);
                return "COMPLETED".equals(j.getString("status")) ? j : null;
            }, Duration.ofSeconds(60), "the export to complete");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
        }
        assertEquals(readings.size(), done.getLong("rowCount"));

        Path manifestFile = Path.of(URI.create(done.getString("location")));
        assertTrue(manifestFile.toString().contains("workspace=" + ws + "/billing_period=2025-04/export=" + id), manifestFile.toString());
        JsonNode manifest = JSON.readTree(Files.readString(manifestFile));
        assertEquals(readings.size(), manifest.get("rowCount").asLong());
        assertEquals(0, exact.compareTo(manifest.get("totalBilledCost").decimalValue()));
        assertEquals("1.2", manifest.get("focusVersion").asText());

        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement st = duck.createStatement()) {
            long csvRows = 0;
            long parquetRows = 0;
            for (JsonNode f : manifest.get("files")) {
                Path file = manifestFile.resolveSibling(f.get("path").asText());
                assertEquals(f.get("sha256").asText(), sha256(file), "checksum of " + file);
                assertEquals(f.get("bytes").asLong(), Files.size(file));
                long rows = single(st, "SELECT count(*) FROM " + reader(f.get("format").asText(), file));
                assertEquals(f.get("rows").asLong(), rows, "rows of " + file);
                if (f.get("format").asText().equals("csv")) {
                    csvRows += rows;
                } else {
                    parquetRows += rows;
                }
            }
            assertEquals(readings.size(), csvRows);
            assertEquals(readings.size(), parquetRows);
            String csv = "read_csv('" + manifestFile.resolveSibling("*.csv") + "', header = true, all_varchar = true)";
            String parquet = "read_parquet('" + manifestFile.resolveSibling("*.parquet") + "')";
            checkFocusRules(st, csv, true);
            checkFocusRules(st, parquet, false);
            // ResourceName is the name the resource was metered under, not its id
            for (String source : List.of(csv, parquet)) {
                assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE ResourceName IS DISTINCT FROM 'name of ' || ResourceId"),
                        "ResourceName of " + source);
            }
            // the two formats hold the same rows
            assertEquals(0, single(st, "SELECT count(*) FROM " + csv + " c FULL JOIN " + parquet + " p ON c.x_LineItemId = p.x_LineItemId "
                    + "AND CAST(c.BilledCost AS DECIMAL(38, 12)) = p.BilledCost AND CAST(c.ChargePeriodStart AS TIMESTAMPTZ) = p.ChargePeriodStart "
                    + "WHERE c.x_LineItemId IS NULL OR p.x_LineItemId IS NULL"));
            try (ResultSet rs = st.executeQuery("SELECT CAST(sum(BilledCost) AS VARCHAR) FROM " + parquet)) {
                rs.next();
                assertEquals(0, exact.compareTo(new BigDecimal(rs.getString(1))), "the export's total is the ledger's");
            }
        }

        BillingExportCompleted event = completedEvent(id);
        assertEquals(ws, event.workspaceId());
        assertEquals(readings.size(), event.rowCount());
        assertEquals(Instant.parse("2025-04-01T00:00:00Z"), event.periodStart());
        assertEquals(Instant.parse("2025-05-01T00:00:00Z"), event.periodEnd());
        assertEquals(done.getString("location"), event.location());

        // another workspace: the export is a 404, its list, usage, costs and statement are empty
        ServiceTokens.ownerOf(other).get("/billing/exports/" + id).then().statusCode(404);
        assertEquals(0, ServiceTokens.ownerOf(other).get("/billing/exports").then().statusCode(200).extract().jsonPath().getList("items").size());
        assertEquals(0, ServiceTokens.ownerOf(other).get("/billing/usage?from=2025-04-01&to=2025-05-01&granularity=month")
                .then().statusCode(200).extract().jsonPath().getList("items").size());
        JsonPath otherCosts = LedgerIT.decimals(ServiceTokens.ownerOf(other).get("/billing/costs?from=2025-04-01&to=2025-05-01")
                .then().statusCode(200).extract().asString());
        assertEquals(0, otherCosts.getList("items").size());
        assertEquals(0, BigDecimal.ZERO.compareTo(new BigDecimal(otherCosts.getString("total"))));
        assertEquals(0, LedgerIT.statement(other, "2025-04").getList("lines").size());

        // the workspace's own reports: by SKU and month, the quantities it consumed; costs add up to its statement
        JsonPath usage = LedgerIT.decimals(ServiceTokens.viewerOf(ws).get("/billing/usage?from=2025-04-01&to=2025-05-01&granularity=month&groupBy=sku")
                .then().statusCode(200).extract().asString());
        assertEquals(5, usage.getList("items").size());
        BigDecimal consumed = usage.getList("items.quantity", BigDecimal.class).stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        assertEquals(0, readings.stream().map(r -> r.event().quantity()).reduce(BigDecimal.ZERO, BigDecimal::add).compareTo(consumed));
        JsonPath daily = LedgerIT.decimals(ServiceTokens.viewerOf(ws).get("/billing/costs?from=2025-04-01&to=2025-05-01&granularity=day&groupBy=sku,resource")
                .then().statusCode(200).extract().asString());
        assertEquals(3 * 10, daily.getList("items").size());
        for (Map<String, Object> row : daily.<Map<String, Object>>getList("items")) {
            assertEquals(Readings.nameOf((String) row.get("resourceId")), row.get("resourceName"), row.toString());
        }
        for (Map<String, Object> line : LedgerIT.statement(ws, "2025-04").<Map<String, Object>>getList("lines")) {
            assertEquals(Readings.nameOf((String) line.get("resourceId")), line.get("resourceName"), line.toString());
        }
        ServiceTokens.viewerOf(ws).get("/billing/usage?granularity=week").then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("granularity"));
    }

    @Test
    void aResourceIsShownUnderItsNewestNameAndALateReadingDoesNotBringAnOldOneBack() {
        String ws = "ws-names-" + UUID.randomUUID().toString().substring(0, 8);
        Instant h = Instant.parse("2025-04-10T08:00:00Z"); // April: lineCount reads that month
        // renamed between its second and third hour; the first hour's reading arrives last, under the old name
        Reading first = Readings.of(0, ws, "mlf-renamed", h, BigDecimal.ONE).named("old-name");
        Reading second = Readings.of(0, ws, "mlf-renamed", h.plus(Duration.ofHours(1)), BigDecimal.ONE).named("old-name");
        Reading third = Readings.of(0, ws, "mlf-renamed", h.plus(Duration.ofHours(2)), BigDecimal.ONE).named("new-name");
        Reading unnamed = Readings.of(3, ws, "nbs-unnamed", h, BigDecimal.ONE);
        bus.send(List.of(UsageBus.envelope(second.event()), UsageBus.envelope(third.event()), UsageBus.envelope(unnamed.event())));
        Eventually.until(() -> lineCount(ws) == 3, Duration.ofSeconds(60), "three readings to be rated");
        bus.send(List.of(UsageBus.envelope(first.event())));
        Eventually.until(() -> lineCount(ws) == 4, Duration.ofSeconds(60), "the late reading to be rated");
        JsonPath costs = LedgerIT.decimals(ServiceTokens.viewerOf(ws).get("/billing/costs?from=2025-04-01&to=2025-05-01&granularity=month&groupBy=resource")
                .then().statusCode(200).extract().asString());
        Map<String, String> names = new java.util.HashMap<>();
        for (Map<String, Object> row : costs.<Map<String, Object>>getList("items")) {
            names.put((String) row.get("resourceId"), (String) row.get("resourceName"));
        }
        assertEquals("new-name", names.get("mlf-renamed"));
        assertTrue(names.containsKey("nbs-unnamed") && names.get("nbs-unnamed") == null, names.toString());
        // another workspace never sees the names
        assertEquals(0, ServiceTokens.ownerOf("ws-oth-" + UUID.randomUUID().toString().substring(0, 8))
                .get("/billing/costs?from=2025-04-01&to=2025-05-01&granularity=month&groupBy=resource")
                .then().statusCode(200).extract().jsonPath().getList("items").size());
    }

    /** The FOCUS rules every row must meet, in SQL over one format's files ({@code text}: the CSV, every value a string). */
    private static void checkFocusRules(Statement st, String source, boolean text) throws Exception {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM " + source)) {
            while (rs.next()) {
                columns.add(rs.getString(1));
                if (!text && rs.getString(1).matches("(Billing|Charge)Period(Start|End)")) {
                    assertEquals("TIMESTAMP WITH TIME ZONE", rs.getString(2), rs.getString(1) + " is a UTC timestamp");
                }
            }
        }
        for (String c : NOT_NULL) {
            assertTrue(columns.contains(c), "column " + c);
            assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE " + c + " IS NULL OR CAST(" + c + " AS VARCHAR) = ''"),
                    c + " is never null");
        }
        for (String c : NULLABLE) {
            assertTrue(columns.contains(c), "column " + c);
        }
        String[][] allowed = {
                {"ChargeCategory", "'Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'"},
                {"ChargeFrequency", "'One-Time', 'Recurring', 'Usage-Based'"},
                {"PricingCategory", "'Standard', 'Dynamic', 'Committed', 'Other'"},
                {"ServiceCategory", "'AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute', 'Databases', "
                        + "'Developer Tools', 'Multicloud', 'Identity', 'Integration', 'Internet of Things', 'Management and Governance', "
                        + "'Media', 'Migration', 'Mobile', 'Networking', 'Security', 'Storage', 'Web', 'Other'"},
                {"BillingCurrency", "'CNY'"},
                {"PricingCurrency", "'CNY'"}};
        for (String[] a : allowed) {
            assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE " + a[0] + " NOT IN (" + a[1] + ")"), a[0] + " values");
        }
        assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE ChargeClass IS NOT NULL AND ChargeClass NOT IN ('Correction')"
                + (text ? " AND ChargeClass <> ''" : "")));
        String ts = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$";
        if (text) {
            for (String c : List.of("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")) {
                assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE NOT regexp_matches(" + c + ", '" + ts + "')"), c + " in UTC");
            }
        }
        String t = text ? "CAST(%s AS TIMESTAMPTZ)" : "%s";
        assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE " + String.format(t, "ChargePeriodStart") + " >= "
                + String.format(t, "ChargePeriodEnd") + " OR " + String.format(t, "ChargePeriodStart") + " < " + String.format(t, "BillingPeriodStart")
                + " OR " + String.format(t, "BillingPeriodStart") + " <> TIMESTAMPTZ '2025-04-01 00:00:00+00'"
                + " OR " + String.format(t, "BillingPeriodEnd") + " <> TIMESTAMPTZ '2025-05-01 00:00:00+00'"));
        String d6 = "CAST(%s AS DECIMAL(18, 6))";
        String d12 = "CAST(%s AS DECIMAL(38, 12))";
        assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE " + String.format(d6, "PricingQuantity") + " * "
                + String.format(d6, "ListUnitPrice") + " <> " + String.format(d12, "ListCost")), "PricingQuantity × ListUnitPrice = ListCost");
        assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE " + String.format(d6, "PricingQuantity") + " * "
                + String.format(d6, "ContractedUnitPrice") + " <> " + String.format(d12, "ContractedCost")));
        assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE " + String.format(d12, "BilledCost") + " <> "
                + String.format(d12, "EffectiveCost") + " OR " + String.format(d12, "BilledCost") + " <> " + String.format(d12, "ListCost")
                + " OR " + String.format(d12, "BilledCost") + " < 0"));
        assertEquals(0, single(st, "SELECT count(*) FROM " + source + " WHERE " + String.format(d6, "ConsumedQuantity") + " <> "
                + String.format(d6, "PricingQuantity")));
        assertEquals(single(st, "SELECT count(*) FROM " + source), single(st, "SELECT count(DISTINCT x_LineItemId) FROM " + source),
                "x_LineItemId is unique");
        try (ResultSet rs = st.executeQuery("SELECT DISTINCT Tags FROM " + source)) {
            while (rs.next()) {
                JsonNode tags = JSON.readTree(rs.getString(1));
                assertTrue(tags.isObject() && tags.has("dms/workspace"), "Tags is a JSON object: " + rs.getString(1));
            }
        }
    }

    private static String reader(String format, Path file) {
        return format.equals("csv") ? "read_csv('" + file + "', header = true, all_varchar = true)" : "read_parquet('" + file + "')";
    }

    private static long single(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private long lineCount(String ws) {
        return LedgerIT.decimals(ServiceTokens.viewerOf(ws).get("/billing/usage?from=2025-04-01&to=2025-05-01&granularity=month")
                .then().statusCode(200).extract().asString()).getList("items.lineItems", Long.class).stream().mapToLong(Long::longValue).sum();
    }

    /** The BillingExportCompleted of {@code exportId} on {@code dms.billing}, checked against its schema in contracts. */
    private static BillingExportCompleted completedEvent(String exportId) throws Exception {
        Properties c = new Properties();
        c.putAll(LocalKafka.shared().adminProperties());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "billing-export-test-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(Topics.BILLING));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!exportId.equals(r.key())) {
                        continue;
                    }
                    assertEquals(BillingExportCompleted.TYPE, new String(r.headers().lastHeader("ce_type").value(), StandardCharsets.UTF_8));
                    JsonNode payload = JSON.readTree(r.value());
                    assertEquals(List.of(), EventSchemas.validate(BillingExportCompleted.TYPE, payload));
                    return new dev.dmsmlflow.contracts.EventCodec().decode(BillingExportCompleted.TYPE, r.value()) instanceof BillingExportCompleted b
                            ? b : null;
                }
            }
        }
        throw new AssertionError("no BillingExportCompleted for " + exportId + " on " + Topics.BILLING);
    }
}
