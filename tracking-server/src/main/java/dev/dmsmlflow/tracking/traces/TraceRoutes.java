package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.tracking.artifacts.ArtifactStores;
import dev.dmsmlflow.tracking.assessments.AssessmentStore;
import dev.dmsmlflow.tracking.http.Endpoint;
import dev.dmsmlflow.tracking.http.ErrorCode;
import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.JsonBody;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import dev.dmsmlflow.tracking.http.RouteProvider;
import dev.dmsmlflow.tracking.http.Routes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * MLflow 3 tracing: OTLP/HTTP span ingestion at {@code POST /v1/traces}, the v3 trace API under
 * {@code /api/3.0/mlflow/traces...} (and {@code /ajax-api/3.0/...}), the legacy v2 paths MLflow clients
 * still call, and the UI's {@code get-trace-artifact}.
 */
@ApplicationScoped
public class TraceRoutes implements RouteProvider {
    private static final Logger LOG = Logger.getLogger(TraceRoutes.class);
    public static final String OTLP_PATH = "/v1/traces";
    public static final String EXPERIMENT_HEADER = "X-Mlflow-Experiment-Id";
    static final long MAX_OTLP_BODY = 64L * 1024 * 1024;
    static final Set<String> STATES = Set.of("STATE_UNSPECIFIED", "OK", "ERROR", "IN_PROGRESS");
    static final int MAX_LINKS = 100;

    @Inject
    TraceStore store;
    @Inject
    TraceSearch search;
    @Inject
    AssessmentStore assessments;
    @Inject
    ArtifactStores artifacts;
    @Inject
    TraceMetrics traceMetrics;

    /** Registers under /api/3.0/mlflow/ and /ajax-api/3.0/mlflow/. */
    static void v3(Routes r, HttpMethod m, String path, Endpoint e) {
        r.absolute(m, "/api/3.0/mlflow/" + path, e);
        r.absolute(m, "/ajax-api/3.0/mlflow/" + path, e);
    }

    @Override
    public void register(Routes r) {
        r.router().post(OTLP_PATH).handler(BodyHandler.create(false).setBodyLimit(MAX_OTLP_BODY))
                .blockingHandler(this::otlp, false);

        // fixed paths before the {trace_id} patterns
        v3(r, HttpMethod.POST, "traces", this::startV3);
        v3(r, HttpMethod.POST, "traces/search", this::searchV3);
        v3(r, HttpMethod.GET, "traces/get", this::getTrace);
        v3(r, HttpMethod.GET, "traces/batchGet", this::batchGet);
        v3(r, HttpMethod.POST, "traces/batchGetInfos", this::batchGetInfos);
        v3(r, HttpMethod.POST, "traces/delete-traces", this::deleteTraces);
        v3(r, HttpMethod.POST, "traces/metrics", this::metrics);
        v3(r, HttpMethod.POST, "traces/link-to-run", this::linkToRun);
        v3(r, HttpMethod.GET, "get-trace-artifact", this::traceArtifact);
        r.post("traces/delete-traces", this::deleteTraces);
        r.post("traces/link-to-run", this::linkToRun);
        r.post("traces/link-prompts", this::linkPrompts);
        r.get("get-trace-artifact", this::traceArtifact);
        r.get("traces", this::searchV2);
        r.post("traces", this::startV2);

        v3(r, HttpMethod.GET, "traces/:trace_id", req -> {
            TraceInfo info = store.getInfo(req.pathParam("trace_id"));
            return g -> {
                g.writeStartObject();
                g.writeObjectFieldStart("trace");
                g.writeFieldName("trace_info");
                info.writeV3(g);
                g.writeEndObject();
                g.writeEndObject();
            };
        });
        v3(r, HttpMethod.PATCH, "traces/:trace_id/tags", req -> setTag(req, req.pathParam("trace_id")));
        v3(r, HttpMethod.DELETE, "traces/:trace_id/tags", req -> deleteTag(req, req.pathParam("trace_id")));
        r.patch("traces/:request_id/tags", req -> setTag(req, req.pathParam("request_id")));
        r.delete("traces/:request_id/tags", req -> deleteTag(req, req.pathParam("request_id")));
        r.get("traces/:request_id/info", req -> {
            TraceInfo info = store.getInfo(req.pathParam("request_id"));
            return JsonBody.field("trace_info", info::writeV2);
        });
        r.patch("traces/:request_id", this::endV2);
    }

    // ------------------------------------------------------------------ OTLP

    private void otlp(RoutingContext ctx) {
        try {
            String ct = ctx.request().getHeader("Content-Type");
            String media = ct == null ? "" : ct.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            boolean json = media.equals("application/json");
            if (!json && !media.equals("application/x-protobuf")) {
                throw MlflowException.invalidParameter("Invalid Content-Type: " + ct
                        + ". Expected: application/x-protobuf or application/json");
            }
            String experimentId = ctx.request().getHeader(EXPERIMENT_HEADER);
            if (experimentId == null || experimentId.isBlank()) {
                throw MlflowException.invalidParameter("Missing header " + EXPERIMENT_HEADER
                        + ": the experiment to log the spans to");
            }
            byte[] body = decompress(ctx.body() == null || ctx.body().buffer() == null ? new byte[0]
                    : ctx.body().buffer().getBytes(), ctx.request().getHeader("Content-Encoding"));
            List<SpanRecord> spans = json ? OtlpDecoder.fromJson(body) : OtlpDecoder.fromProtobuf(body);
            store.logSpans(experimentId.trim(), spans);
            if (json) {
                ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json").end("{}");
            } else {
                ctx.response().setStatusCode(200).putHeader("Content-Type", "application/x-protobuf").end(Buffer.buffer());
            }
        } catch (MlflowException e) {
            Routes.sendError(ctx, e);
        } catch (Exception e) {
            MlflowException mapped = dbError(e);
            if (mapped != null) {
                Routes.sendError(ctx, mapped);
                return;
            }
            LOG.error("OTLP span ingestion failed", e);
            Routes.sendError(ctx, new MlflowException(ErrorCode.INTERNAL_ERROR, "Failed to log OpenTelemetry spans"));
        }
    }

    private static MlflowException dbError(Throwable ex) {
        MlflowException mapped = Routes.fromDatabase(ex);
        return mapped == null ? null : MlflowException.invalidParameter("Invalid span data. " + mapped.getMessage());
    }

    static byte[] decompress(byte[] body, String encoding) {
        if (encoding == null || encoding.isBlank() || encoding.equalsIgnoreCase("identity")) {
            return body;
        }
        String enc = encoding.trim().toLowerCase(Locale.ROOT);
        try {
            InputStream in = switch (enc) {
                case "gzip", "x-gzip" -> new GZIPInputStream(new ByteArrayInputStream(body));
                case "deflate" -> deflateStream(body);
                default -> throw MlflowException.invalidParameter("Unsupported Content-Encoding: " + encoding);
            };
            try (in) {
                byte[] out = in.readNBytes((int) MAX_OTLP_BODY + 1);
                if (out.length > MAX_OTLP_BODY) {
                    throw MlflowException.invalidParameter("Decompressed request body too large");
                }
                return out;
            }
        } catch (IOException e) {
            throw MlflowException.invalidParameter("Failed to decompress the request body (" + encoding + ")");
        }
    }

    /** zlib-wrapped deflate, or raw deflate as some clients send. */
    private static InputStream deflateStream(byte[] body) {
        boolean zlib = body.length >= 2 && (body[0] & 0x0f) == 8 && ((body[0] & 0xff) * 256 + (body[1] & 0xff)) % 31 == 0;
        return new InflaterInputStream(new ByteArrayInputStream(body), new Inflater(!zlib));
    }

    // ------------------------------------------------------------------ v3

    private JsonBody startV3(MlflowRequest req) {
        Fields trace = req.object("trace");
        if (trace == null) {
            throw MlflowException.missing("trace");
        }
        Fields infoF = trace.object("trace_info");
        if (infoF == null) {
            throw MlflowException.missing("trace_info");
        }
        ObjectNode info = infoF.jsonObject();
        String traceId = infoF.string("trace_id");
        if (traceId == null || traceId.isBlank()) {
            throw MlflowException.missing("trace_id");
        }
        if (traceId.length() > 50) {
            throw MlflowException.invalidParameter("Invalid trace_id '" + traceId + "': at most 50 characters");
        }
        Fields loc = infoF.object("trace_location");
        Fields exp = loc == null ? null : loc.object("mlflow_experiment");
        String experimentId = exp == null ? null : exp.string("experiment_id");
        if (experimentId == null || experimentId.isBlank()) {
            throw MlflowException.invalidParameter("The trace location must be an MLflow experiment "
                    + "(trace_location.mlflow_experiment.experiment_id)");
        }
        Long requestTime = ProtoTime.parseTimestamp("request_time", node(info, "request_time", "requestTime"));
        Long duration = ProtoTime.parseDuration("execution_duration", node(info, "execution_duration", "executionDuration"));
        String state = infoF.string("state");
        state = state == null ? "STATE_UNSPECIFIED" : state.toUpperCase(Locale.ROOT);
        if (!STATES.contains(state)) {
            throw MlflowException.invalidParameter("Invalid trace state '" + state + "'. Valid values are "
                    + "STATE_UNSPECIFIED, OK, ERROR, IN_PROGRESS");
        }
        Map<String, String> meta = stringMap(node(info, "trace_metadata", "traceMetadata"), "trace_metadata");
        Map<String, String> tags = stringMap(node(info, "tags", "tags"), "tags");
        for (var e : tags.entrySet()) {
            validateTag(e.getKey(), e.getValue());
            e.setValue(truncate(e.getValue()));
        }
        List<JsonNode> assess = new ArrayList<>();
        JsonNode an = node(info, "assessments", "assessments");
        if (an != null) {
            if (!an.isArray()) {
                throw MlflowException.invalidParameter("'assessments' must be a list");
            }
            an.forEach(assess::add);
        }
        TraceStore.NewTrace t = new TraceStore.NewTrace(traceId, experimentId, requestTime == null ? 0 : requestTime,
                duration, state, infoF.string("client_request_id"), infoF.string("request_preview"),
                infoF.string("response_preview"), meta, tags, assess);
        TraceInfo saved = store.startTrace(t, (c, a) -> {
            try {
                assessments.upsertFromTrace(c, traceId, a);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        return g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("trace");
            g.writeFieldName("trace_info");
            saved.writeV3(g);
            g.writeEndObject();
            g.writeEndObject();
        };
    }

    private JsonBody searchV3(MlflowRequest req) {
        List<Long> exps = new ArrayList<>();
        for (Fields loc : req.objects("locations")) {
            Fields e = loc.object("mlflow_experiment");
            if (e != null) {
                exps.add(experimentId(e.string("experiment_id")));
            } else if (loc.object("inference_table") != null || loc.object("uc_schema") != null) {
                throw MlflowException.invalidParameter("Only MLflow experiment locations are supported by this tracking server");
            }
        }
        for (String id : req.strings("experiment_ids")) {
            exps.add(experimentId(id));
        }
        if (exps.isEmpty()) {
            // the web UI asks with "locations": [] (e.g. before an experiment is chosen): nothing to search, an empty page
            return g -> {
                g.writeStartObject();
                g.writeEndObject();
            };
        }
        TraceSearch.Page page = search.search(exps, req.string("filter"), req.int32("max_results", TraceSearch.DEFAULT_MAX_RESULTS),
                req.strings("order_by"), req.string("page_token"));
        return g -> {
            g.writeStartObject();
            if (!page.traces().isEmpty()) {
                g.writeArrayFieldStart("traces");
                for (TraceInfo t : page.traces()) {
                    t.writeV3(g);
                }
                g.writeEndArray();
            }
            Json.str(g, "next_page_token", page.nextPageToken());
            g.writeEndObject();
        };
    }

    private JsonBody searchV2(MlflowRequest req) {
        List<Long> exps = new ArrayList<>();
        for (String id : req.strings("experiment_ids")) {
            exps.add(experimentId(id));
        }
        if (exps.isEmpty()) {
            throw MlflowException.missing("experiment_ids");
        }
        TraceSearch.Page page = search.search(exps, req.string("filter"), req.int32("max_results", TraceSearch.DEFAULT_MAX_RESULTS),
                req.strings("order_by"), req.string("page_token"));
        return g -> {
            g.writeStartObject();
            if (!page.traces().isEmpty()) {
                g.writeArrayFieldStart("traces");
                for (TraceInfo t : page.traces()) {
                    t.writeV2(g);
                }
                g.writeEndArray();
            }
            Json.str(g, "next_page_token", page.nextPageToken());
            g.writeEndObject();
        };
    }

    private static long experimentId(String id) {
        if (id == null || id.isBlank()) {
            throw MlflowException.missing("experiment_id");
        }
        try {
            return Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            throw MlflowException.invalidParameter("Invalid experiment ID format: " + id);
        }
    }

    private JsonBody getTrace(MlflowRequest req) throws InterruptedException {
        String id = req.requiredString("trace_id");
        boolean partial = Boolean.TRUE.equals(req.bool("allow_partial"));
        TraceStore.Trace t = store.getTrace(id, partial);
        // spans of a just-finished trace may still be on their way (asynchronous client export)
        for (int i = 0; t == null && i < 30; i++) {
            Thread.sleep(100);
            t = store.getTrace(id, false);
        }
        if (t == null) {
            TraceStore.Trace any = store.getTrace(id, true);
            if (any.spans().isEmpty()) {
                Optional<List<String>> fromArtifact = artifactSpans(any.info());
                if (fromArtifact.isPresent()) {
                    t = new TraceStore.Trace(any.info(), fromArtifact.get());
                }
            }
            if (t == null) {
                throw MlflowException.notFound("Trace with ID " + id + " is not fully exported yet, please try again later.");
            }
        }
        TraceStore.Trace trace = t;
        return g -> {
            g.writeStartObject();
            g.writeFieldName("trace");
            writeTrace(g, trace);
            g.writeEndObject();
        };
    }

    static void writeTrace(JsonGenerator g, TraceStore.Trace t) throws IOException {
        g.writeStartObject();
        g.writeFieldName("trace_info");
        t.info().writeV3(g);
        g.writeArrayFieldStart("spans");
        for (String s : t.spans()) {
            SpanJson.writeOtel(g, s);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private JsonBody batchGet(MlflowRequest req) {
        List<String> ids = req.strings("trace_ids");
        if (ids.isEmpty()) {
            throw MlflowException.missing("trace_ids");
        }
        List<TraceStore.Trace> traces = store.batchGet(ids);
        return g -> {
            g.writeStartObject();
            if (!traces.isEmpty()) {
                g.writeArrayFieldStart("traces");
                for (TraceStore.Trace t : traces) {
                    writeTrace(g, t);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        };
    }

    private JsonBody batchGetInfos(MlflowRequest req) {
        List<String> ids = req.strings("trace_ids");
        if (ids.isEmpty()) {
            throw MlflowException.missing("trace_ids");
        }
        List<TraceInfo> infos = store.getInfos(ids);
        return g -> {
            g.writeStartObject();
            if (!infos.isEmpty()) {
                g.writeArrayFieldStart("trace_infos");
                for (TraceInfo t : infos) {
                    t.writeV3(g);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        };
    }

    private JsonBody deleteTraces(MlflowRequest req) {
        String exp = req.requiredString("experiment_id");
        Long maxTs = req.int64("max_timestamp_millis");
        Long maxTraces = req.int64("max_traces");
        List<String> ids = req.strings("request_ids");
        if (ids.isEmpty()) {
            ids = req.strings("trace_ids");
        }
        if (maxTs == null && ids.isEmpty()) {
            throw MlflowException.invalidParameter("Either `max_timestamp_millis` or `trace_ids` must be specified.");
        }
        if (maxTs != null && maxTs != 0 && !ids.isEmpty()) {
            throw MlflowException.invalidParameter("Only one of `max_timestamp_millis` and `trace_ids` can be specified.");
        }
        if (!ids.isEmpty() && maxTraces != null) {
            throw MlflowException.invalidParameter("`max_traces` can't be specified if `trace_ids` is specified.");
        }
        if (maxTraces != null && (maxTraces <= 0 || maxTraces > Integer.MAX_VALUE)) {
            throw MlflowException.invalidParameter("`max_traces` must be a positive integer, received " + maxTraces + ".");
        }
        experimentId(exp);
        int n = store.delete(exp, maxTs, maxTraces == null ? null : maxTraces.intValue(), ids);
        return g -> {
            g.writeStartObject();
            g.writeNumberField("traces_deleted", n);
            g.writeEndObject();
        };
    }

    private JsonBody setTag(MlflowRequest req, String id) {
        String key = req.requiredString("key");
        String value = req.string("value");
        validateTag(key, value);
        store.setTag(id, key, truncate(value == null ? "" : value));
        return JsonBody.EMPTY;
    }

    private JsonBody deleteTag(MlflowRequest req, String id) {
        store.deleteTag(id, req.requiredString("key"));
        return JsonBody.EMPTY;
    }

    private JsonBody linkToRun(MlflowRequest req) {
        List<String> ids = req.strings("trace_ids");
        String run = req.requiredString("run_id");
        if (ids.size() > MAX_LINKS) {
            throw MlflowException.invalidParameter("Cannot link more than " + MAX_LINKS + " traces to a run in a single request. "
                    + "Provided " + ids.size() + " traces.");
        }
        if (!ids.isEmpty()) {
            store.linkToRun(ids, run);
        }
        return JsonBody.EMPTY;
    }

    private JsonBody linkPrompts(MlflowRequest req) {
        String id = req.requiredString("trace_id");
        List<String[]> prompts = new ArrayList<>();
        for (Fields p : req.objects("prompt_versions")) {
            String name = p.requiredString("name");
            String version = p.requiredString("version");
            prompts.add(new String[]{name, version});
        }
        if (prompts.isEmpty()) {
            throw MlflowException.missing("prompt_versions");
        }
        store.linkPrompts(id, prompts);
        return JsonBody.EMPTY;
    }

    /** The UI's trace-metrics queries (see {@link TraceMetrics}). */
    private JsonBody metrics(MlflowRequest req) {
        List<Map<String, Object>> points = traceMetrics.run(req);
        return g -> TraceMetrics.write(g, points);
    }

    // ------------------------------------------------------------------ v2 (legacy clients)

    private JsonBody startV2(MlflowRequest req) {
        String exp = req.requiredString("experiment_id");
        long ts = req.int64("timestamp_ms", System.currentTimeMillis());
        Map<String, String> meta = keyValues(req.objects("request_metadata"));
        Map<String, String> tags = keyValues(req.objects("tags"));
        tags.forEach(TraceRoutes::validateTag);
        TraceInfo info = store.startTraceV2(exp, ts, meta, tags);
        return JsonBody.field("trace_info", info::writeV2);
    }

    private JsonBody endV2(MlflowRequest req) {
        String id = req.pathParam("request_id");
        long ts = req.int64("timestamp_ms", System.currentTimeMillis());
        String status = req.string("status");
        status = status == null ? "OK" : status.toUpperCase(Locale.ROOT);
        if (status.equals("TRACE_STATUS_UNSPECIFIED")) {
            status = "STATE_UNSPECIFIED";
        }
        if (!STATES.contains(status)) {
            throw MlflowException.invalidParameter("Invalid trace status '" + status + "'");
        }
        Map<String, String> meta = keyValues(req.objects("request_metadata"));
        Map<String, String> tags = keyValues(req.objects("tags"));
        tags.forEach(TraceRoutes::validateTag);
        TraceInfo info = store.endTraceV2(id, ts, status, meta, tags);
        return JsonBody.field("trace_info", info::writeV2);
    }

    // ------------------------------------------------------------------ UI

    /** {@code get-trace-artifact?request_id=}: the trace data ({"spans": [...]}) as a download. */
    private JsonBody traceArtifact(MlflowRequest req) throws IOException {
        String id = req.string("request_id");
        if (id == null || id.isEmpty()) {
            throw new MlflowException(ErrorCode.BAD_REQUEST, "Request must include the \"request_id\" query parameter.");
        }
        List<String> spans = store.spanContents(id);
        if (spans == null) {
            spans = artifactSpans(store.getInfo(id)).orElseThrow(() -> MlflowException.notFound(
                    "Trace data for trace '" + id + "' was not found."));
        }
        StringBuilder sb = new StringBuilder("{\"spans\": [");
        for (int i = 0; i < spans.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(spans.get(i));
        }
        sb.append("]}");
        req.routingContext().response().putHeader("Content-Disposition", "attachment; filename=traces.json");
        String body = sb.toString();
        return g -> g.writeRawValue(body);
    }

    /** Span dictionaries from a traces.json the client uploaded under the trace's artifact location. */
    Optional<List<String>> artifactSpans(TraceInfo info) {
        String loc = info.tags().get(TraceInfo.TAG_ARTIFACT_LOCATION);
        if (loc == null) {
            return Optional.empty();
        }
        try {
            ArtifactStores.Location l = artifacts.resolve(loc).child("traces.json");
            Optional<InputStream> in = l.store().get(l.path());
            if (in.isEmpty()) {
                return Optional.empty();
            }
            JsonNode data;
            try (InputStream s = in.get()) {
                data = Json.MAPPER.readTree(s);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode span : data.path("spans")) {
                out.add(span.toString());
            }
            return Optional.of(out);
        } catch (MlflowException | IOException e) {
            LOG.debugf("No trace data artifact for %s: %s", info.requestId(), e.getMessage());
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ helpers

    static JsonNode node(ObjectNode o, String snake, String camel) {
        JsonNode n = o.get(snake);
        if (n == null) {
            n = o.get(camel);
        }
        return n == null || n.isNull() ? null : n;
    }

    static Map<String, String> stringMap(JsonNode n, String what) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null) {
            return out;
        }
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        } else if (n.isArray()) {
            for (JsonNode kv : n) {
                out.put(kv.path("key").asText(), kv.path("value").asText(""));
            }
        } else {
            throw MlflowException.invalidParameter("'" + what + "' must be a map of strings");
        }
        return out;
    }

    static Map<String, String> keyValues(List<Fields> items) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Fields f : items) {
            String k = f.string("key");
            if (k == null) {
                throw MlflowException.missing("key");
            }
            String v = f.string("value");
            out.put(k, v == null ? "" : v);
        }
        return out;
    }

    static void validateTag(String key, String value) {
        if (key == null || key.isEmpty()) {
            throw MlflowException.missing("key");
        }
        if (key.length() > TraceStore.MAX_TAG_KEY) {
            throw MlflowException.invalidParameter("Trace tag key '" + key.substring(0, 32) + "...' had length "
                    + key.length() + ", which exceeded length limit of " + TraceStore.MAX_TAG_KEY);
        }
    }

    static String truncate(String v) {
        return v != null && v.length() > TraceStore.MAX_TAG_VALUE ? v.substring(0, TraceStore.MAX_TAG_VALUE) : v;
    }
}
