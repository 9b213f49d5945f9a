package dev.dmsmlflow.tracking.traces;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.http.Fields;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.http.MlflowRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code traces/metrics} (the UI's trace overview charts): on the TRACES view, {@code trace_count} and
 * {@code latency} aggregated per time bucket, trace name and status. Token, span and assessment metrics have
 * no data here (no token usage is aggregated), so those views answer without points.
 */
@ApplicationScoped
public class TraceMetrics {
    static final Set<String> VIEWS = Set.of("TRACES", "SPANS", "ASSESSMENTS");
    static final Set<String> AGGS = Set.of("COUNT", "SUM", "AVG", "PERCENTILE", "MIN", "MAX");
    static final int MAX_RESULTS = 1000;
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    @Inject
    Db db;

    record Agg(String type, Double percentile) {
        String label() {
            if (!type.equals("PERCENTILE")) {
                return type;
            }
            double p = percentile;
            return "P" + (p == Math.rint(p) ? Long.toString((long) p) + ".0" : Double.toString(p));
        }
    }

    /** An enum given by name or by number (both are valid protobuf JSON). */
    static String enumName(Fields f, String field, List<String> names) {
        com.fasterxml.jackson.databind.node.ObjectNode o = f.jsonObject();
        com.fasterxml.jackson.databind.JsonNode n = o == null ? null : o.get(field);
        if (n != null && n.isIntegralNumber()) {
            int i = n.intValue();
            if (i <= 0 || i >= names.size()) {
                throw MlflowException.invalidParameter("Invalid value " + i + " for parameter '" + field + "'");
            }
            return names.get(i);
        }
        return f.string(field);
    }

    /** Data points as {dimensions, metric_name, values}. */
    public List<Map<String, Object>> run(MlflowRequest req) {
        List<Long> exps = new ArrayList<>();
        for (String id : req.strings("experiment_ids")) {
            try {
                exps.add(Long.parseLong(id.trim()));
            } catch (NumberFormatException e) {
                throw MlflowException.invalidParameter("Invalid experiment ID format: " + id);
            }
        }
        String view = enumName(req.fields(), "view_type", List.of("", "TRACES", "SPANS", "ASSESSMENTS"));
        view = view == null ? "TRACES" : view.toUpperCase(Locale.ROOT);
        if (!VIEWS.contains(view)) {
            throw MlflowException.invalidParameter("view_type must be one of TRACES, SPANS, ASSESSMENTS, got '" + view + "'");
        }
        String metric = req.requiredString("metric_name");
        List<Agg> aggs = new ArrayList<>();
        for (Fields a : req.objects("aggregations")) {
            String t = enumName(a, "aggregation_type", List.of("", "COUNT", "SUM", "AVG", "PERCENTILE", "MIN", "MAX"));
            t = t == null ? "" : t.toUpperCase(Locale.ROOT);
            if (!AGGS.contains(t)) {
                throw MlflowException.invalidParameter("Invalid aggregation_type '" + t + "'");
            }
            Double p = a.dbl("percentile_value");
            if (t.equals("PERCENTILE") && (p == null || p < 0 || p > 100)) {
                throw MlflowException.invalidParameter("Percentile value must be between 0 and 100");
            }
            aggs.add(new Agg(t, p));
        }
        if (aggs.isEmpty()) {
            throw MlflowException.missing("aggregations");
        }
        List<String> dims = req.strings("dimensions");
        Long interval = req.int64("time_interval_seconds");
        Long start = req.int64("start_time_ms");
        Long end = req.int64("end_time_ms");
        if (interval != null && interval != 0 && (start == null || end == null)) {
            throw MlflowException.invalidParameter("start_time_ms and end_time_ms are required if time_interval_seconds is set");
        }
        if (interval != null && interval < 0) {
            throw MlflowException.invalidParameter("time_interval_seconds must be positive");
        }
        int max = req.int32("max_results", MAX_RESULTS);
        if (max < 1 || max > MAX_RESULTS) {
            throw MlflowException.invalidParameter("max_results must be between 1 and " + MAX_RESULTS);
        }
        if (!view.equals("TRACES")) {
            return List.of();
        }
        String column = switch (metric) {
            case "trace_count" -> "1";
            case "latency" -> "t.execution_time_ms";
            case "input_tokens", "output_tokens", "total_tokens", "cache_read_input_tokens", "cache_creation_input_tokens" -> null;
            default -> throw MlflowException.invalidParameter("metric_name must be one of [trace_count, latency, "
                    + "input_tokens, output_tokens, total_tokens, cache_read_input_tokens, cache_creation_input_tokens], "
                    + "got '" + metric + "'");
        };
        for (Agg a : aggs) {
            if (metric.equals("trace_count") && !a.type().equals("COUNT")) {
                throw MlflowException.invalidParameter("Found invalid aggregation_type(s): ['" + a.type()
                        + "']. Supported aggregation types: ['COUNT']");
            }
        }
        List<String> dimCols = new ArrayList<>();
        List<String> dimNames = new ArrayList<>();
        if (interval != null && interval > 0) {
            dimCols.add("floor(t.timestamp_ms / " + (interval * 1000) + ")::bigint * " + (interval * 1000));
            dimNames.add("time_bucket");
        }
        for (String d : dims) {
            switch (d) {
                case "trace_name" -> dimCols.add("(SELECT v.value FROM trace_tags v WHERE v.request_id = t.request_id "
                        + "AND v.key = 'mlflow.traceName')");
                case "trace_status" -> dimCols.add("t.status");
                default -> throw MlflowException.invalidParameter("Found invalid dimension(s): ['" + d
                        + "']. Supported dimensions: ['trace_name', 'trace_status']");
            }
            dimNames.add(d);
        }
        if (column == null || exps.isEmpty()) {
            return List.of();
        }
        Sql sql = new Sql().append("SELECT ");
        for (String c : dimCols) {
            sql.append(c + ", ");
        }
        for (int i = 0; i < aggs.size(); i++) {
            Agg a = aggs.get(i);
            sql.append(i == 0 ? "" : ", ");
            switch (a.type()) {
                case "COUNT" -> sql.append("count(" + (column.equals("1") ? "*" : column) + ")::float8");
                case "PERCENTILE" -> sql.append("percentile_cont(" + (a.percentile() / 100) + ") WITHIN GROUP (ORDER BY "
                        + column + ")");
                default -> sql.append(a.type().toLowerCase(Locale.ROOT) + "(" + column + ")::float8");
            }
        }
        sql.append(" FROM trace_info t WHERE t.experiment_id = ANY(?)", (Object) exps.toArray(new Long[0]));
        if (start != null) {
            sql.append(" AND t.timestamp_ms >= ?", start);
        }
        if (end != null) {
            sql.append(" AND t.timestamp_ms <= ?", end);
        }
        for (String f : req.strings("filters")) {
            for (TraceFilter.Clause c : TraceFilter.parse(f)) {
                sql.append(" AND ");
                TraceSearch.clause(sql, c);
            }
        }
        if (!dimCols.isEmpty()) {
            StringBuilder gb = new StringBuilder();
            for (int i = 1; i <= dimCols.size(); i++) {
                gb.append(i == 1 ? "" : ", ").append(i);
            }
            sql.append(" GROUP BY " + gb + " ORDER BY " + gb);
        }
        sql.append(" LIMIT ?", max);
        return db.read(c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            try (PreparedStatement ps = sql.prepare(c); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> dimsOut = new LinkedHashMap<>();
                    boolean skip = false;
                    for (int i = 0; i < dimNames.size(); i++) {
                        Object v = rs.getObject(i + 1);
                        if (v == null) {
                            skip = true;
                            break;
                        }
                        dimsOut.put(dimNames.get(i), dimNames.get(i).equals("time_bucket")
                                ? Instant.ofEpochMilli(((Number) v).longValue()).atOffset(ZoneOffset.UTC).format(ISO)
                                : v.toString());
                    }
                    Map<String, Object> values = new LinkedHashMap<>();
                    for (int i = 0; i < aggs.size(); i++) {
                        double v = rs.getDouble(dimNames.size() + i + 1);
                        if (!rs.wasNull()) {
                            values.put(aggs.get(i).label(), v);
                        }
                    }
                    if (skip || values.isEmpty()) {
                        continue;
                    }
                    Map<String, Object> point = new LinkedHashMap<>();
                    point.put("metric_name", metric);
                    point.put("dimensions", dimsOut);
                    point.put("values", values);
                    out.add(point);
                }
            }
            return out;
        });
    }

    @SuppressWarnings("unchecked")
    static void write(JsonGenerator g, List<Map<String, Object>> points) throws IOException {
        g.writeStartObject();
        if (!points.isEmpty()) {
            g.writeArrayFieldStart("data_points");
            for (Map<String, Object> p : points) {
                g.writeStartObject();
                g.writeStringField("metric_name", (String) p.get("metric_name"));
                Map<String, Object> dims = (Map<String, Object>) p.get("dimensions");
                if (!dims.isEmpty()) {
                    g.writeObjectFieldStart("dimensions");
                    for (var e : dims.entrySet()) {
                        g.writeStringField(e.getKey(), e.getValue().toString());
                    }
                    g.writeEndObject();
                }
                g.writeObjectFieldStart("values");
                for (var e : ((Map<String, Object>) p.get("values")).entrySet()) {
                    g.writeFieldName(e.getKey());
                    Json.dbl(g, (Double) e.getValue());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }
}
