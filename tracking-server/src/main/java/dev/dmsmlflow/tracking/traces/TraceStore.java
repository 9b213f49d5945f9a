package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.assessments.Assessment;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.experiments.Experiment;
import dev.dmsmlflow.tracking.experiments.ExperimentStore;
import dev.dmsmlflow.tracking.http.MlflowException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Traces in PostgreSQL: trace info rows, tags, request metadata, spans (one row each, MLflow dictionary
 * form) and trace-run links. Span ingestion is a fixed handful of set-based statements per request
 * whatever its size (unnest arrays), so OTLP batches cost little per span.
 */
@ApplicationScoped
public class TraceStore {
    static final int PREVIEW_MAX = 1000;
    public static final int MAX_TAG_KEY = 250;
    public static final int MAX_TAG_VALUE = 8000;

    @Inject
    Db db;
    @Inject
    ExperimentStore experiments;

    /** A trace with its spans' stored contents (root first, then by start time). */
    public record Trace(TraceInfo info, List<String> spans) {
    }

    /** Values of a TraceInfoV3 given by a client (start_trace). */
    public record NewTrace(String traceId, String experimentId, long requestTime, Long executionDuration, String state,
                           String clientRequestId, String requestPreview, String responsePreview,
                           Map<String, String> metadata, Map<String, String> tags, List<JsonNode> assessments) {
    }

    public static String artifactLocation(Experiment e, String traceId) {
        String base = e.artifactLocation() == null ? ExperimentStore.DEFAULT_ARTIFACT_SCHEME + e.id() : e.artifactLocation();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base + "/traces/" + traceId + "/artifacts";
    }

    // ------------------------------------------------------------------ span ingestion

    private record Agg(String traceId, long minStartMs, Long maxEndMs, String state, String requestPreview,
                       String responsePreview, String sessionId, String userId) {
    }

    /** Stores spans (any number of traces) for experiment {@code experimentId}; creates missing traces. */
    public int logSpans(String experimentId, List<SpanRecord> spans) {
        if (spans.isEmpty()) {
            return 0;
        }
        // last write of a span wins; traces sorted so concurrent batches lock rows in one order
        Map<String, Map<String, SpanRecord>> byTrace = new TreeMap<>();
        for (SpanRecord s : spans) {
            byTrace.computeIfAbsent(s.mlflowTraceId(), k -> new LinkedHashMap<>()).put(s.spanIdHex(), s);
        }
        List<Agg> aggs = new ArrayList<>(byTrace.size());
        for (var e : byTrace.entrySet()) {
            aggs.add(aggregate(e.getKey(), e.getValue().values()));
        }
        int n = 0;
        for (Map<String, SpanRecord> m : byTrace.values()) {
            n += m.size();
        }
        String[] sTrace = new String[n], sId = new String[n], sParent = new String[n], sName = new String[n],
                sType = new String[n], sStatus = new String[n], sContent = new String[n];
        Long[] sStart = new Long[n], sEnd = new Long[n];
        int i = 0;
        for (Map<String, SpanRecord> m : byTrace.values()) {
            for (SpanRecord s : m.values()) {
                sTrace[i] = s.mlflowTraceId();
                sId[i] = s.spanIdHex();
                sParent[i] = s.parentIdHex();
                sName[i] = s.name();
                sType[i] = s.spanType();
                sStatus[i] = s.statusCode();
                sStart[i] = s.startNs();
                sEnd[i] = s.endNs();
                sContent[i] = s.content();
                i++;
            }
        }
        int k = aggs.size();
        String[] tId = new String[k], tState = new String[k], tReq = new String[k], tResp = new String[k];
        Long[] tStart = new Long[k], tExec = new Long[k];
        List<String[]> meta = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            Agg a = aggs.get(j);
            tId[j] = a.traceId();
            tStart[j] = a.minStartMs();
            tExec[j] = a.maxEndMs() == null ? null : a.maxEndMs() - a.minStartMs();
            tState[j] = a.state();
            tReq[j] = a.requestPreview();
            tResp[j] = a.responsePreview();
            if (a.sessionId() != null) {
                meta.add(new String[]{a.traceId(), "mlflow.trace.session", a.sessionId()});
            }
            if (a.userId() != null) {
                meta.add(new String[]{a.traceId(), "mlflow.trace.user", a.userId()});
            }
        }
        long experiment = ExperimentStore.parseId(experimentId);
        // One statement (one round trip besides the commit): trace rows, spans, the location tags and session/user
        // metadata; nothing is written when the experiment does not exist.
        String sql = "WITH exp AS (SELECT experiment_id, COALESCE(rtrim(artifact_location, '/'), "
                + "'" + ExperimentStore.DEFAULT_ARTIFACT_SCHEME + "' || experiment_id) AS loc FROM experiments WHERE experiment_id = ?), "
                + "ti AS (INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status, "
                + "request_preview, response_preview) "
                + "SELECT u.id, exp.experiment_id, u.ts, u.ex, u.st, u.rq, u.rs FROM unnest(?::text[], ?::bigint[], ?::bigint[], "
                + "?::text[], ?::text[], ?::text[]) AS u(id, ts, ex, st, rq, rs) CROSS JOIN exp "
                + "ON CONFLICT (request_id) DO UPDATE SET "
                + "timestamp_ms = CASE WHEN trace_info.finalized THEN trace_info.timestamp_ms "
                + "  ELSE LEAST(trace_info.timestamp_ms, EXCLUDED.timestamp_ms) END, "
                + "execution_time_ms = CASE WHEN trace_info.finalized THEN trace_info.execution_time_ms "
                + "  WHEN EXCLUDED.execution_time_ms IS NULL AND trace_info.execution_time_ms IS NULL THEN NULL "
                + "  ELSE GREATEST(trace_info.timestamp_ms + COALESCE(trace_info.execution_time_ms, 0), "
                + "    EXCLUDED.timestamp_ms + COALESCE(EXCLUDED.execution_time_ms, 0)) "
                + "    - LEAST(trace_info.timestamp_ms, EXCLUDED.timestamp_ms) END, "
                + "status = CASE WHEN trace_info.status IN ('IN_PROGRESS', 'STATE_UNSPECIFIED') "
                + "  AND EXCLUDED.status <> 'IN_PROGRESS' THEN EXCLUDED.status ELSE trace_info.status END, "
                + "request_preview = COALESCE(trace_info.request_preview, EXCLUDED.request_preview), "
                + "response_preview = COALESCE(trace_info.response_preview, EXCLUDED.response_preview) RETURNING 1), "
                + "sp AS (INSERT INTO spans (trace_id, span_id, parent_span_id, experiment_id, name, type, status, "
                + "start_time_unix_nano, end_time_unix_nano, content) "
                + "SELECT u.t, u.s, u.p, exp.experiment_id, u.n, u.ty, u.st, u.b, u.e, u.c "
                + "FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], "
                + "?::bigint[], ?::text[]) AS u(t, s, p, n, ty, st, b, e, c) CROSS JOIN exp "
                + "ON CONFLICT (trace_id, span_id) DO UPDATE SET parent_span_id = EXCLUDED.parent_span_id, "
                + "name = EXCLUDED.name, type = EXCLUDED.type, status = EXCLUDED.status, "
                + "start_time_unix_nano = EXCLUDED.start_time_unix_nano, "
                + "end_time_unix_nano = EXCLUDED.end_time_unix_nano, content = EXCLUDED.content RETURNING 1), "
                + "tg AS (INSERT INTO trace_tags (request_id, key, value) "
                + "SELECT u.id, '" + TraceInfo.TAG_SPANS_LOCATION + "', '" + TraceInfo.TRACKING_STORE + "' "
                + "FROM unnest(?::text[]) AS u(id) CROSS JOIN exp "
                + "UNION ALL SELECT u.id, '" + TraceInfo.TAG_ARTIFACT_LOCATION + "', exp.loc || '/traces/' || u.id || '/artifacts' "
                + "FROM unnest(?::text[]) AS u(id) CROSS JOIN exp "
                + "ON CONFLICT (request_id, key) DO NOTHING RETURNING 1), "
                + "md AS (INSERT INTO trace_request_metadata (request_id, key, value) SELECT u.id, u.k, u.v "
                + "FROM unnest(?::text[], ?::text[], ?::text[]) AS u(id, k, v) CROSS JOIN exp "
                + "ON CONFLICT (request_id, key) DO NOTHING RETURNING 1) "
                + "SELECT (SELECT count(*) FROM exp)";
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int p = 1;
                ps.setLong(p++, experiment);
                Array ids = c.createArrayOf("text", tId);
                ps.setArray(p++, ids);
                ps.setArray(p++, c.createArrayOf("bigint", tStart));
                ps.setArray(p++, c.createArrayOf("bigint", tExec));
                ps.setArray(p++, c.createArrayOf("text", tState));
                ps.setArray(p++, c.createArrayOf("text", tReq));
                ps.setArray(p++, c.createArrayOf("text", tResp));
                ps.setArray(p++, c.createArrayOf("text", sTrace));
                ps.setArray(p++, c.createArrayOf("text", sId));
                ps.setArray(p++, c.createArrayOf("text", sParent));
                ps.setArray(p++, c.createArrayOf("text", sName));
                ps.setArray(p++, c.createArrayOf("text", sType));
                ps.setArray(p++, c.createArrayOf("text", sStatus));
                ps.setArray(p++, c.createArrayOf("bigint", sStart));
                ps.setArray(p++, c.createArrayOf("bigint", sEnd));
                ps.setArray(p++, c.createArrayOf("text", sContent));
                ps.setArray(p++, ids);
                ps.setArray(p++, ids);
                ps.setArray(p++, c.createArrayOf("text", meta.stream().map(m -> m[0]).toArray(String[]::new)));
                ps.setArray(p++, c.createArrayOf("text", meta.stream().map(m -> m[1]).toArray(String[]::new)));
                ps.setArray(p, c.createArrayOf("text", meta.stream().map(m -> m[2]).toArray(String[]::new)));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        throw MlflowException.notFound("No Experiment with id=" + experimentId + " exists");
                    }
                }
            }
            return null;
        });
        return n;
    }

    private static Agg aggregate(String traceId, Iterable<SpanRecord> spans) {
        long minStart = Long.MAX_VALUE;
        Long maxEnd = null;
        SpanRecord root = null;
        String session = null;
        String user = null;
        for (SpanRecord s : spans) {
            minStart = Math.min(minStart, s.startNs() / 1_000_000);
            if (s.endNs() != null) {
                long e = s.endNs() / 1_000_000;
                maxEnd = maxEnd == null ? e : Math.max(maxEnd, e);
            }
            if (s.isRoot()) {
                root = s;
            }
            if (session == null) {
                session = unquote(s.attributes().get("session.id"));
            }
            if (user == null) {
                user = unquote(s.attributes().get("user.id"));
            }
        }
        String state = root == null ? "IN_PROGRESS" : root.traceState();
        String req = root == null ? null : preview(root.attributes().get(SpanRecord.ATTR_INPUTS));
        String resp = root == null ? null : preview(root.attributes().get(SpanRecord.ATTR_OUTPUTS));
        return new Agg(traceId, minStart, maxEnd, state, req, resp, session, user);
    }

    private static String unquote(String json) {
        if (json == null) {
            return null;
        }
        String plain = SpanRecord.plainString(json);
        if (plain != null) {
            return plain;
        }
        JsonNode n = SpanJson.parseLenient(json);
        return n.isValueNode() ? n.asText() : json;
    }

    static String preview(String json) {
        if (json == null) {
            return null;
        }
        String s = SpanRecord.plainString(json);
        if (s == null) {
            JsonNode n = SpanJson.parseLenient(json);
            s = n.isTextual() ? n.textValue() : json;
        }
        return s.length() <= PREVIEW_MAX ? s : s.substring(0, PREVIEW_MAX - 3) + "...";
    }

    // ------------------------------------------------------------------ trace info writes

    /** start_trace (v3): the client's authoritative trace info; spans may have arrived before or come later. */
    public TraceInfo startTrace(NewTrace t, java.util.function.BiConsumer<Connection, JsonNode> assessmentWriter) {
        return db.tx(c -> {
            Experiment exp = experiments.requireActive(c, t.experimentId());
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status, "
                            + "client_request_id, request_preview, response_preview, finalized) VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE) "
                            + "ON CONFLICT (request_id) DO UPDATE SET timestamp_ms = EXCLUDED.timestamp_ms, "
                            + "execution_time_ms = EXCLUDED.execution_time_ms, status = EXCLUDED.status, "
                            + "client_request_id = EXCLUDED.client_request_id, "
                            + "request_preview = COALESCE(EXCLUDED.request_preview, trace_info.request_preview), "
                            + "response_preview = COALESCE(EXCLUDED.response_preview, trace_info.response_preview), "
                            + "finalized = TRUE")) {
                ps.setString(1, t.traceId());
                ps.setLong(2, exp.id());
                ps.setLong(3, t.requestTime());
                setLong(ps, 4, t.executionDuration());
                ps.setString(5, t.state());
                ps.setString(6, t.clientRequestId());
                ps.setString(7, t.requestPreview());
                ps.setString(8, t.responsePreview());
                ps.executeUpdate();
            }
            Map<String, String> tags = new LinkedHashMap<>(t.tags());
            upsert(c, "trace_tags", t.traceId(), tags);
            insertIfAbsent(c, "trace_tags", t.traceId(), TraceInfo.TAG_ARTIFACT_LOCATION, artifactLocation(exp, t.traceId()));
            Map<String, String> meta = new LinkedHashMap<>(t.metadata());
            meta.put(TraceInfo.META_FINALIZED, "true");
            upsert(c, "trace_request_metadata", t.traceId(), meta);
            for (JsonNode a : t.assessments()) {
                assessmentWriter.accept(c, a);
            }
            return load(c, List.of(t.traceId())).get(0);
        });
    }

    /** Legacy start (MLflow 2 clients): a new IN_PROGRESS trace with a server-made id. */
    public TraceInfo startTraceV2(String experimentId, long timestampMs, Map<String, String> metadata, Map<String, String> tags) {
        String id = "tr-" + java.util.UUID.randomUUID().toString().replace("-", "");
        return db.tx(c -> {
            Experiment exp = experiments.requireActive(c, experimentId);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, "
                    + "status) VALUES (?, ?, ?, 'IN_PROGRESS')")) {
                ps.setString(1, id);
                ps.setLong(2, exp.id());
                ps.setLong(3, timestampMs);
                ps.executeUpdate();
            }
            upsert(c, "trace_tags", id, tags);
            insertIfAbsent(c, "trace_tags", id, TraceInfo.TAG_ARTIFACT_LOCATION, artifactLocation(exp, id));
            upsert(c, "trace_request_metadata", id, metadata);
            return load(c, List.of(id)).get(0);
        });
    }

    /** Legacy end: end time, final status, more metadata and tags. */
    public TraceInfo endTraceV2(String id, long timestampMs, String status, Map<String, String> metadata, Map<String, String> tags) {
        return db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE trace_info SET execution_time_ms = ? - timestamp_ms, "
                    + "status = ? WHERE request_id = ?")) {
                ps.setLong(1, timestampMs);
                ps.setString(2, status);
                ps.setString(3, id);
                if (ps.executeUpdate() == 0) {
                    throw notFound(id);
                }
            }
            upsert(c, "trace_tags", id, tags);
            upsert(c, "trace_request_metadata", id, metadata);
            return load(c, List.of(id)).get(0);
        });
    }

    public void setTag(String id, String key, String value) {
        db.tx(c -> {
            require(c, id);
            upsert(c, "trace_tags", id, Map.of(key, value));
            return null;
        });
    }

    public void deleteTag(String id, String key) {
        db.tx(c -> {
            require(c, id);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM trace_tags WHERE request_id = ? AND key = ?")) {
                ps.setString(1, id);
                ps.setString(2, key);
                if (ps.executeUpdate() == 0) {
                    throw MlflowException.notFound("No trace tag with key '" + key + "' for trace with ID '" + id + "'");
                }
            }
            return null;
        });
    }

    public int delete(String experimentId, Long maxTimestampMillis, Integer maxTraces, List<String> ids) {
        long exp = ExperimentStore.parseId(experimentId);
        return db.tx(c -> {
            StringBuilder where = new StringBuilder("experiment_id = ?");
            List<Object> binds = new ArrayList<>(List.of(exp));
            if (maxTimestampMillis != null && maxTimestampMillis != 0) {
                where.append(" AND timestamp_ms <= ?");
                binds.add(maxTimestampMillis);
            }
            if (ids != null && !ids.isEmpty()) {
                where.append(" AND request_id = ANY(?)");
                binds.add(ids.toArray(new String[0]));
            }
            String sql = "WITH gone AS (" + (maxTraces != null && maxTraces > 0
                    ? "DELETE FROM trace_info WHERE request_id IN (SELECT request_id FROM trace_info WHERE " + where
                    + " ORDER BY timestamp_ms, request_id LIMIT " + maxTraces + ")"
                    : "DELETE FROM trace_info WHERE " + where) + " RETURNING request_id), "
                    + "links AS (DELETE FROM entity_associations e USING gone WHERE e.source_type = 'trace' "
                    + "AND e.source_id = gone.request_id) SELECT count(*) FROM gone";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int j = 0; j < binds.size(); j++) {
                    Object b = binds.get(j);
                    if (b instanceof String[] a) {
                        ps.setArray(j + 1, c.createArrayOf("text", a));
                    } else {
                        ps.setObject(j + 1, b);
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /** Links traces to a run (unknown trace ids are skipped, as upstream does). */
    public void linkToRun(List<String> traceIds, String runId) {
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM runs WHERE run_uuid = ?")) {
                ps.setString(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw MlflowException.notFound("Run with id=" + runId + " not found");
                    }
                }
            }
            associate(c, traceIds, "trace", "run", runId);
            return null;
        });
    }

    /** Links prompt versions ({name, version}) to a trace, also recorded in the mlflow.linkedPrompts tag. */
    public void linkPrompts(String traceId, List<String[]> prompts) {
        db.tx(c -> {
            require(c, traceId);
            String existing = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM trace_tags WHERE request_id = ? AND key = ?")) {
                ps.setString(1, traceId);
                ps.setString(2, "mlflow.linkedPrompts");
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        existing = rs.getString(1);
                    }
                }
            }
            com.fasterxml.jackson.databind.node.ArrayNode arr = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            if (existing != null && SpanJson.parseLenient(existing).isArray()) {
                arr = (com.fasterxml.jackson.databind.node.ArrayNode) SpanJson.parseLenient(existing);
            }
            for (String[] p : prompts) {
                boolean seen = false;
                for (JsonNode n : arr) {
                    seen |= p[0].equals(n.path("name").asText()) && p[1].equals(n.path("version").asText());
                }
                if (!seen) {
                    arr.addObject().put("name", p[0]).put("version", p[1]);
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO entity_associations (source_type, source_id, "
                        + "destination_type, destination_id, created_time) VALUES ('trace', ?, 'prompt_version', ?, ?) "
                        + "ON CONFLICT DO NOTHING")) {
                    ps.setString(1, traceId);
                    ps.setString(2, p[0] + "/" + p[1]);
                    ps.setLong(3, System.currentTimeMillis());
                    ps.executeUpdate();
                }
            }
            upsert(c, "trace_tags", traceId, Map.of("mlflow.linkedPrompts", PyJson.dump(arr)));
            return null;
        });
    }

    static void associate(Connection c, List<String> sourceIds, String sourceType, String destType, String destId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO entity_associations (source_type, source_id, "
                + "destination_type, destination_id, created_time) SELECT ?, t.request_id, ?, ?, ? "
                + "FROM trace_info t WHERE t.request_id = ANY(?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, sourceType);
            ps.setString(2, destType);
            ps.setString(3, destId);
            ps.setLong(4, System.currentTimeMillis());
            ps.setArray(5, c.createArrayOf("text", sourceIds.toArray(new String[0])));
            ps.executeUpdate();
        }
    }

    // ------------------------------------------------------------------ reads

    public TraceInfo getInfo(String id) {
        return db.read(c -> {
            List<TraceInfo> l = load(c, List.of(id));
            if (l.isEmpty()) {
                throw notFound(id);
            }
            return l.get(0);
        });
    }

    public List<TraceInfo> getInfos(List<String> ids) {
        return db.read(c -> load(c, ids));
    }

    /** A trace with spans; null when spans are incomplete and {@code allowPartial} is false. */
    public Trace getTrace(String id, boolean allowPartial) {
        return db.read(c -> {
            List<TraceInfo> l = load(c, List.of(id));
            if (l.isEmpty()) {
                throw MlflowException.notFound("Trace with ID " + id + " is not found.");
            }
            TraceInfo info = l.get(0);
            List<String> spans = spans(c, List.of(id)).getOrDefault(id, List.of());
            if (!allowPartial && !complete(info, spans.size())) {
                return null;
            }
            return new Trace(info, spans);
        });
    }

    /** Traces that have span data, in the order asked. */
    public List<Trace> batchGet(List<String> ids) {
        return db.read(c -> {
            List<TraceInfo> infos = load(c, ids);
            Map<String, List<String>> spans = spans(c, ids);
            List<Trace> out = new ArrayList<>();
            for (TraceInfo i : infos) {
                List<String> s = spans.get(i.requestId());
                if (s != null && !s.isEmpty()) {
                    out.add(new Trace(i, s));
                }
            }
            return out;
        });
    }

    /** The span contents of one trace, or null when the trace exists without spans in the database. */
    public List<String> spanContents(String id) {
        return db.read(c -> {
            require(c, id);
            List<String> s = spans(c, List.of(id)).get(id);
            return s == null || s.isEmpty() ? null : s;
        });
    }

    static boolean complete(TraceInfo info, int have) {
        String stats = info.metadata().get(TraceInfo.META_SIZE_STATS);
        if (stats == null) {
            return have > 0;
        }
        JsonNode n = SpanJson.parseLenient(stats);
        return have >= n.path("num_spans").asInt(0) && have > 0;
    }

    private static Map<String, List<String>> spans(Connection c, List<String> ids) throws SQLException {
        Map<String, List<String>> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT trace_id, content FROM spans WHERE trace_id = ANY(?) "
                + "ORDER BY trace_id, (parent_span_id IS NOT NULL), start_time_unix_nano, span_id")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray(new String[0])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return out;
    }

    static void require(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM trace_info WHERE request_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw notFound(id);
                }
            }
        }
    }

    public static MlflowException notFound(String id) {
        return MlflowException.notFound("Trace with ID '" + id + "' not found.");
    }

    /** Trace infos (with tags, metadata, assessments) for the given ids, in that order; unknown ids are skipped. */
    public static List<TraceInfo> load(Connection c, List<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<String> unique = new ArrayList<>(new java.util.LinkedHashSet<>(ids));
        return loadPage(c, new dev.dmsmlflow.tracking.db.Sql().append("?::text[]",
                (Object) unique.toArray(new String[0])));
    }

    /**
     * The trace infos whose ids {@code idArray} (an SQL array expression, e.g. {@code ARRAY(<page query>)}) lists, in
     * its order, in one statement: a row per trace with its tags and metadata aggregated as JSON objects.
     */
    public static List<TraceInfo> loadPage(Connection c, dev.dmsmlflow.tracking.db.Sql idArray) throws SQLException {
        dev.dmsmlflow.tracking.db.Sql sql = new dev.dmsmlflow.tracking.db.Sql()
                .append("SELECT t.request_id, t.experiment_id, t.timestamp_ms, t.execution_time_ms, t.status, "
                        + "t.client_request_id, t.request_preview, t.response_preview, "
                        + "(SELECT json_object_agg(g.key, g.value ORDER BY g.key) FROM trace_tags g WHERE g.request_id = t.request_id), "
                        + "(SELECT json_object_agg(m.key, m.value ORDER BY m.key) FROM trace_request_metadata m "
                        + "WHERE m.request_id = t.request_id), "
                        + "EXISTS (SELECT 1 FROM assessments a WHERE a.trace_id = t.request_id) "
                        + "FROM unnest(")
                .append(idArray.text(), idArray.values().toArray())
                .append(") WITH ORDINALITY AS p(request_id, ord) JOIN trace_info t ON t.request_id = p.request_id ORDER BY p.ord");
        List<TraceInfo> out = new ArrayList<>();
        List<String> withAssessments = new ArrayList<>();
        try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long ex = rs.getLong(4);
                Long exec = rs.wasNull() ? null : ex;
                String id = rs.getString(1);
                if (rs.getBoolean(11)) {
                    withAssessments.add(id);
                }
                out.add(new TraceInfo(id, rs.getLong(2), rs.getLong(3), exec, rs.getString(5), rs.getString(6),
                        rs.getString(7), rs.getString(8), jsonMap(rs.getString(9)), jsonMap(rs.getString(10)), List.of()));
            }
        }
        if (withAssessments.isEmpty()) {
            return out;
        }
        Map<String, List<Assessment>> assess = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + assessmentColumns()
                + " FROM assessments WHERE trace_id = ANY(?) ORDER BY trace_id, created_timestamp, assessment_id")) {
            ps.setArray(1, c.createArrayOf("text", withAssessments.toArray(new String[0])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Assessment a = Assessment.read(rs);
                    assess.computeIfAbsent(a.traceId(), k -> new ArrayList<>()).add(a);
                }
            }
        }
        List<TraceInfo> withA = new ArrayList<>(out.size());
        for (TraceInfo t : out) {
            List<Assessment> a = assess.get(t.requestId());
            withA.add(a == null ? t : new TraceInfo(t.requestId(), t.experimentId(), t.timestampMs(), t.executionTimeMs(),
                    t.status(), t.clientRequestId(), t.requestPreview(), t.responsePreview(), t.tags(), t.metadata(), a));
        }
        return withA;
    }

    private static Map<String, String> jsonMap(String json) {
        if (json == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        try (com.fasterxml.jackson.core.JsonParser p = dev.dmsmlflow.tracking.http.Json.FACTORY.createParser(json)) {
            p.nextToken();
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String k = p.currentName();
                com.fasterxml.jackson.core.JsonToken v = p.nextToken();
                out.put(k, v == com.fasterxml.jackson.core.JsonToken.VALUE_NULL ? null : p.getText());
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Unreadable aggregated trace tags", e);
        }
        return out;
    }

    private static String assessmentColumns() {
        return dev.dmsmlflow.tracking.assessments.AssessmentStore.COLUMNS;
    }

    static void upsert(Connection c, String table, String id, Map<String, String> kv) throws SQLException {
        if (kv.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (request_id, key, value) VALUES (?, ?, ?) "
                + "ON CONFLICT (request_id, key) DO UPDATE SET value = EXCLUDED.value")) {
            for (var e : kv.entrySet()) {
                ps.setString(1, id);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void insertIfAbsent(Connection c, String table, String id, String key, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (request_id, key, value) VALUES (?, ?, ?) "
                + "ON CONFLICT (request_id, key) DO NOTHING")) {
            ps.setString(1, id);
            ps.setString(2, key);
            ps.setString(3, value);
            ps.executeUpdate();
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }
}
