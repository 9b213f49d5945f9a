package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Traces over HTTP: OTLP protobuf and JSON ingestion, the v3/v2 trace API, and bad input answered 4xx. */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class TracesApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final SecureRandom RANDOM = new SecureRandom();
    @TestHTTPResource("/")
    URL root;
    Api api;
    String experiment;

    @BeforeEach
    void setUp() {
        api = new Api(root.toString());
        Resp r = api.post("experiments/create", obj("name", "traces-" + UUID.randomUUID()));
        assertEquals(200, r.status(), r.toString());
        experiment = r.json().get("experiment_id").asText();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static AnyValue str(String s) {
        return AnyValue.newBuilder().setStringValue(s).build();
    }

    private static KeyValue kv(String k, AnyValue v) {
        return KeyValue.newBuilder().setKey(k).setValue(v).build();
    }

    private Resp otlp(byte[] body, String contentType, String experimentId, String encoding) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + "/v1/traces"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (experimentId != null) {
            b.header("X-Mlflow-Experiment-Id", experimentId);
        }
        if (encoding != null) {
            b.header("Content-Encoding", encoding);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            try {
                json = Api.JSON.readTree(r.body());
            } catch (Exception ignored) {
                // protobuf or empty
            }
            return new Resp(r.statusCode(), r.body(), json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Resp v3(String method, String path, Object body) {
        return api.send(method, "/api/3.0/mlflow/" + path, body == null ? null : body.toString(),
                body == null ? null : "application/json");
    }

    /** A two-span trace as the Python client exports it. */
    private ExportTraceServiceRequest twoSpans(byte[] traceId, long startNs) {
        byte[] rootId = random(8);
        Span root = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(rootId))
                .setName("agent").setStartTimeUnixNano(startNs).setEndTimeUnixNano(startNs + 50_000_000)
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                .addAttributes(kv("mlflow.spanType", str("AGENT")))
                .addAttributes(kv("mlflow.spanInputs", AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                        .addValues(kv("question", str("why?")))).build()))
                .addAttributes(kv("mlflow.spanOutputs", str("because")))
                .build();
        Span child = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(random(8)))
                .setParentSpanId(ByteString.copyFrom(rootId)).setName("tool")
                .setStartTimeUnixNano(startNs + 10_000_000).setEndTimeUnixNano(startNs + 20_000_000)
                .addAttributes(kv("scores", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setIntValue(3)).addValues(AnyValue.newBuilder().setDoubleValue(0.5))
                        .addValues(AnyValue.newBuilder().setBoolValue(true))).build()))
                .addEvents(Span.Event.newBuilder().setName("retry").setTimeUnixNano(startNs + 15_000_000)
                        .addAttributes(kv("attempt", AnyValue.newBuilder().setIntValue(2).build())))
                .build();
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addSpans(child).addSpans(root))).build();
    }

    private static JsonNode attr(JsonNode span, String key) {
        for (JsonNode a : span.get("attributes")) {
            if (a.get("key").asText().equals(key)) {
                return a.get("value");
            }
        }
        return null;
    }

    @Test
    void otlpProtobufSpansBecomeATraceReadBackWithTheirAttributes() {
        byte[] traceId = random(16);
        String id = "tr-" + HexFormat.of().formatHex(traceId);
        long start = 1_700_000_000_000_000_000L;
        Resp r = otlp(twoSpans(traceId, start).toByteArray(), "application/x-protobuf", experiment, null);
        assertEquals(200, r.status(), r.toString());

        JsonNode info = v3("GET", "traces/" + id, null).json().get("trace").get("trace_info");
        assertEquals("OK", info.get("state").asText());
        assertEquals("2023-11-14T22:13:20Z", info.get("request_time").asText());
        assertEquals("0.050s", info.get("execution_duration").asText());
        assertEquals("TRACKING_STORE", info.get("tags").get("mlflow.trace.spansLocation").asText());
        assertEquals("mlflow-artifacts:/" + experiment + "/traces/" + id + "/artifacts",
                info.get("tags").get("mlflow.artifactLocation").asText());
        assertEquals("{\"question\": \"why?\"}", info.get("request_preview").asText());
        assertEquals("because", info.get("response_preview").asText());

        Resp got = api.send("GET", "/api/3.0/mlflow/traces/get?trace_id=" + id, null, null);
        assertEquals(200, got.status(), got.toString());
        JsonNode spans = got.json().get("trace").get("spans");
        assertEquals(2, spans.size());
        JsonNode root = spans.get(0);
        assertEquals("agent", root.get("name").asText());
        assertNull(root.get("parent_span_id"));
        assertEquals("STATUS_CODE_OK", root.get("status").get("code").asText());
        assertEquals(id, attr(root, "mlflow.traceRequestId").get("string_value").asText());
        assertEquals("why?", attr(root, "mlflow.spanInputs").get("kvlist_value").get("values").get(0).get("value")
                .get("string_value").asText());
        JsonNode child = spans.get(1);
        assertEquals(root.get("span_id").asText(), child.get("parent_span_id").asText());
        JsonNode scores = attr(child, "scores").get("array_value").get("values");
        assertEquals(3, scores.get(0).get("int_value").asLong());
        assertEquals(0.5, scores.get(1).get("double_value").asDouble());
        assertTrue(scores.get(2).get("bool_value").asBoolean());
        assertEquals("retry", child.get("events").get(0).get("name").asText());

        // the UI's trace data download holds the MLflow span dictionaries
        Resp art = api.send("GET", "/ajax-api/2.0/mlflow/get-trace-artifact?request_id=" + id, null, null);
        assertEquals(200, art.status(), art.toString());
        assertEquals("\"AGENT\"", art.json().get("spans").get(0).get("attributes").get("mlflow.spanType").asText());
    }

    @Test
    void otlpJsonWithHexIdsAndGzipIsAccepted() throws Exception {
        String traceHex = HexFormat.of().formatHex(random(16));
        String spanHex = HexFormat.of().formatHex(random(8));
        String json = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]},"
                + "\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + traceHex + "\",\"spanId\":\"" + spanHex + "\",\"name\":\"op\","
                + "\"kind\":1,\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000000250000000\","
                + "\"attributes\":[{\"key\":\"n\",\"value\":{\"intValue\":\"42\"}},{\"key\":\"m\",\"value\":{\"kvlistValue\":"
                + "{\"values\":[{\"key\":\"a\",\"value\":{\"doubleValue\":1.5}}]}}}],\"status\":{\"code\":2,\"message\":\"boom\"}}]}]}]}";
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
            gz.write(json.getBytes());
        }
        Resp r = otlp(buf.toByteArray(), "application/json; charset=utf-8", experiment, "gzip");
        assertEquals(200, r.status(), r.toString());
        String id = "tr-" + traceHex;
        JsonNode trace = api.send("GET", "/api/3.0/mlflow/traces/get?trace_id=" + id, null, null).json().get("trace");
        assertEquals("ERROR", trace.get("trace_info").get("state").asText());
        assertEquals("0.250s", trace.get("trace_info").get("execution_duration").asText());
        JsonNode span = trace.get("spans").get(0);
        assertEquals(42, attr(span, "n").get("int_value").asLong());
        assertEquals("boom", span.get("status").get("message").asText());
        assertEquals(1.5, attr(span, "m").get("kvlist_value").get("values").get(0).get("value").get("double_value").asDouble());
    }

    @Test
    void badOtlpRequestsAreRefusedWithMlflowErrors() {
        byte[] good = twoSpans(random(16), 1_700_000_000_000_000_000L).toByteArray();
        assertError(otlp(good, "text/plain", experiment, null), 400, "INVALID_PARAMETER_VALUE");
        assertError(otlp(good, "application/x-protobuf", null, null), 400, "INVALID_PARAMETER_VALUE");
        assertError(otlp(new byte[]{(byte) 0xff, 0x01, 0x02}, "application/x-protobuf", experiment, null), 400,
                "INVALID_PARAMETER_VALUE");
        assertError(otlp(new byte[0], "application/x-protobuf", experiment, null), 400, "INVALID_PARAMETER_VALUE");
        assertError(otlp("{\"resourceSpans\":[]}".getBytes(), "application/json", experiment, null), 400,
                "INVALID_PARAMETER_VALUE");
        assertError(otlp("{not json".getBytes(), "application/json", experiment, null), 400, "INVALID_PARAMETER_VALUE");
        assertError(otlp(("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"abc\",\"spanId\":\"0102030405060708\"}]}]}]}")
                .getBytes(), "application/json", experiment, null), 400, "INVALID_PARAMETER_VALUE");
        assertError(otlp(good, "application/x-protobuf", "999999", null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(otlp(good, "application/x-protobuf", "not-a-number", null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(otlp(good, "application/x-protobuf", experiment, "gzip"), 400, "INVALID_PARAMETER_VALUE");
        assertError(otlp(good, "application/x-protobuf", experiment, "br"), 400, "INVALID_PARAMETER_VALUE");
    }

    private static void assertError(Resp r, int status, String code) {
        assertEquals(status, r.status(), r.toString());
        assertEquals(code, r.errorCode(), r.toString());
    }

    @Test
    void startTraceIsAuthoritativeOverSpansThatArriveLater() {
        byte[] traceId = random(16);
        String id = "tr-" + HexFormat.of().formatHex(traceId);
        Resp s = v3("POST", "traces", obj("trace", obj("trace_info", obj("trace_id", id,
                "trace_location", obj("type", "MLFLOW_EXPERIMENT", "mlflow_experiment", obj("experiment_id", experiment)),
                "request_time", "2024-01-02T03:04:05.678Z", "execution_duration", "1.5s", "state", "OK",
                "trace_metadata", Map.of("mlflow.sourceRun", "r1"), "tags", Map.of("mlflow.traceName", "agent"),
                "request_preview", "q", "response_preview", "a"))));
        assertEquals(200, s.status(), s.toString());
        JsonNode info = s.json().get("trace").get("trace_info");
        assertEquals("2024-01-02T03:04:05.678Z", info.get("request_time").asText());
        assertEquals("1.500s", info.get("execution_duration").asText());
        assertEquals(200, otlp(twoSpans(traceId, 1_600_000_000_000_000_000L).toByteArray(), "application/x-protobuf",
                experiment, null).status());
        JsonNode after = v3("GET", "traces/" + id, null).json().get("trace").get("trace_info");
        assertEquals("2024-01-02T03:04:05.678Z", after.get("request_time").asText());
        assertEquals("q", after.get("request_preview").asText());
        assertEquals("agent", after.get("tags").get("mlflow.traceName").asText());

        Resp search = v3("POST", "traces/search", obj("locations", new Object[]{obj("type", "MLFLOW_EXPERIMENT",
                "mlflow_experiment", obj("experiment_id", experiment))}, "filter", "attributes.run_id = 'r1' AND name = 'agent'"));
        assertEquals(200, search.status(), search.toString());
        assertEquals(id, search.json().get("traces").get(0).get("trace_id").asText());
    }

    private Resp startWithAssessments(String id, Object... assessments) {
        return v3("POST", "traces", obj("trace", obj("trace_info", obj("trace_id", id,
                "trace_location", obj("type", "MLFLOW_EXPERIMENT", "mlflow_experiment", obj("experiment_id", experiment)),
                "request_time", "2024-01-02T03:04:05.678Z", "execution_duration", "1s", "state", "OK",
                "assessments", assessments))));
    }

    private static Object feedback(String assessmentId, Object value) {
        var a = obj("assessment_name", "quality", "feedback", obj("value", value),
                "source", obj("source_type", "HUMAN", "source_id", "reviewer"));
        if (assessmentId != null) {
            a.put("assessment_id", assessmentId);
        }
        return a;
    }

    @Test
    void assessmentsSentWithStartTraceKeepTheirIdsSoARetryAddsNoSecondOne() {
        String id = "tr-" + HexFormat.of().formatHex(random(16));
        String aid = "a-" + HexFormat.of().formatHex(random(16));
        // clients from 3.18 give an assessment logged during the trace its id before start_trace, and may send it again
        assertEquals(200, startWithAssessments(id, feedback(aid, "good"), feedback(null, 1)).status());
        Resp retry = startWithAssessments(id, feedback(aid, "better"));
        assertEquals(200, retry.status(), retry.toString());
        JsonNode assessments = v3("GET", "traces/" + id, null).json().at("/trace/trace_info/assessments");
        assertEquals(2, assessments.size(), assessments.toString());
        JsonNode kept = null;
        for (JsonNode a : assessments) {
            if (a.get("assessment_id").asText().equals(aid)) {
                kept = a;
            } else {
                assertTrue(a.get("assessment_id").asText().startsWith("a-"), a.toString());
            }
        }
        assertTrue(kept != null, assessments.toString());
        assertEquals("better", kept.at("/feedback/value").asText(), kept.toString());
        assertEquals(200, v3("GET", "traces/" + id + "/assessments/" + aid, null).status());

        // an id another trace's assessment already has is refused, and that assessment stays where it was
        String other = "tr-" + HexFormat.of().formatHex(random(16));
        assertError(startWithAssessments(other, feedback(aid, "stolen")), 400, "INVALID_PARAMETER_VALUE");
        assertEquals("better", v3("GET", "traces/" + id + "/assessments/" + aid, null).json()
                .at("/assessment/feedback/value").asText());
        assertError(startWithAssessments(other, feedback("a-" + "0".repeat(60), 1)), 400, "INVALID_PARAMETER_VALUE");
    }

    @Test
    void badTraceRequestsAnswer4xxNever500() {
        Object loc = new Object[]{obj("type", "MLFLOW_EXPERIMENT", "mlflow_experiment", obj("experiment_id", experiment))};
        // the web UI searches with no location before an experiment is chosen: an empty page, not an error
        Resp none = v3("POST", "traces/search", obj("locations", new Object[]{}, "max_results", 1));
        assertEquals(200, none.status(), none.toString());
        assertEquals("{}", none.text().replaceAll("\\s", ""));
        assertError(v3("POST", "traces/search", obj("locations", loc, "filter", "tags.x === 'a'")), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/search", obj("locations", loc, "filter", "bogus.x = 'a'")), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/search", obj("locations", loc, "filter", "timestamp_ms > 'x'")), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/search", obj("locations", loc, "filter", "tags.x = 'a' OR tags.y = 'b'")), 400,
                "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/search", obj("locations", loc, "max_results", 501)), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/search", obj("locations", loc, "page_token", "garbage")), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/search", obj("locations", loc, "order_by", new String[]{"nonsense DESC"})), 400,
                "INVALID_PARAMETER_VALUE");
        // no location at all reads as an empty list (proto3 JSON): the same empty page
        assertEquals("{}", v3("POST", "traces/search", obj()).text().replaceAll("\\s", ""));
        assertError(v3("POST", "traces", obj("trace", obj("trace_info", obj("trace_id", "tr-x")))), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces", obj("trace", obj("trace_info", obj("trace_id", "tr-x", "trace_location",
                obj("mlflow_experiment", obj("experiment_id", experiment)), "state", "DONE")))), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces", obj("trace", obj("trace_info", obj("trace_id", "tr-x", "trace_location",
                obj("mlflow_experiment", obj("experiment_id", experiment)), "request_time", "yesterday")))), 400,
                "INVALID_PARAMETER_VALUE");
        assertError(v3("GET", "traces/tr-unknown", null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(api.send("GET", "/api/3.0/mlflow/traces/get?trace_id=tr-unknown", null, null), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(v3("PATCH", "traces/tr-unknown/tags", obj("key", "k", "value", "v")), 404, "RESOURCE_DOES_NOT_EXIST");
        assertError(v3("PATCH", "traces/tr-unknown/tags", obj("value", "v")), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("traces/delete-traces", obj("experiment_id", experiment)), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("traces/delete-traces", obj("experiment_id", experiment, "max_timestamp_millis", 5,
                "max_traces", 0)), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.post("traces/link-to-run", obj("trace_ids", new String[]{"tr-a"}, "run_id", "0".repeat(32))), 404,
                "RESOURCE_DOES_NOT_EXIST");
        String[] many = new String[101];
        java.util.Arrays.fill(many, "tr-a");
        assertError(api.post("traces/link-to-run", obj("trace_ids", many, "run_id", "r")), 400, "INVALID_PARAMETER_VALUE");
        assertError(api.send("GET", "/ajax-api/2.0/mlflow/get-trace-artifact", null, null), 400, "BAD_REQUEST");
    }

    @Test
    void legacyV2TracesStartEndAndSearch() {
        Resp s = api.post("traces", obj("experiment_id", experiment, "timestamp_ms", 1000,
                "request_metadata", new Object[]{obj("key", "m", "value", "1")}, "tags", new Object[]{obj("key", "t", "value", "2")}));
        assertEquals(200, s.status(), s.toString());
        String id = s.json().get("trace_info").get("request_id").asText();
        assertEquals("IN_PROGRESS", s.json().get("trace_info").get("status").asText());
        Resp e = api.send("PATCH", "/api/2.0/mlflow/traces/" + id, obj("timestamp_ms", 1500, "status", "OK").toString(),
                "application/json");
        assertEquals(200, e.status(), e.toString());
        assertEquals(500, e.json().get("trace_info").get("execution_time_ms").asLong());
        JsonNode info = api.get("traces/" + id + "/info", Map.of()).json().get("trace_info");
        assertEquals("OK", info.get("status").asText());
        Resp found = api.get("traces", Map.of("experiment_ids", experiment, "filter", "tags.t = '2'"));
        assertEquals(id, found.json().get("traces").get(0).get("request_id").asText());
        Resp deleted = api.post("traces/delete-traces", obj("experiment_id", experiment, "request_ids", new String[]{id}));
        assertEquals(1, deleted.json().get("traces_deleted").asInt());
        assertFalse(api.get("traces", Map.of("experiment_ids", experiment)).json().has("traces"));
    }

    @Test
    void traceMetricsCountAndLatencyPerStatus() {
        long start = 1_700_000_000_000_000_000L;
        for (int i = 0; i < 3; i++) {
            assertEquals(200, otlp(twoSpans(random(16), start + i * 1_000_000_000L).toByteArray(), "application/x-protobuf",
                    experiment, null).status());
        }
        Resp r = v3("POST", "traces/metrics", obj("experiment_ids", new String[]{experiment}, "view_type", "TRACES",
                "metric_name", "trace_count", "aggregations", new Object[]{obj("aggregation_type", "COUNT")},
                "dimensions", new String[]{"trace_status"}));
        assertEquals(200, r.status(), r.toString());
        JsonNode p = r.json().get("data_points").get(0);
        assertEquals("OK", p.get("dimensions").get("trace_status").asText());
        assertEquals(3.0, p.get("values").get("COUNT").asDouble());
        Resp lat = v3("POST", "traces/metrics", obj("experiment_ids", new String[]{experiment}, "view_type", 1,
                "metric_name", "latency", "aggregations", new Object[]{obj("aggregation_type", "PERCENTILE", "percentile_value", 50)},
                "time_interval_seconds", 3600, "start_time_ms", 0, "end_time_ms", Long.MAX_VALUE / 2));
        assertEquals(50.0, lat.json().get("data_points").get(0).get("values").get("P50.0").asDouble(), lat.toString());
        assertError(v3("POST", "traces/metrics", obj("experiment_ids", new String[]{experiment}, "metric_name", "nope",
                "aggregations", new Object[]{obj("aggregation_type", "COUNT")})), 400, "INVALID_PARAMETER_VALUE");
        assertError(v3("POST", "traces/metrics", obj("experiment_ids", new String[]{experiment}, "metric_name", "latency",
                "aggregations", new Object[]{obj("aggregation_type", "AVG")}, "time_interval_seconds", 60)), 400,
                "INVALID_PARAMETER_VALUE");
    }
}
