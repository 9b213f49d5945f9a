package dev.dmsmlflow.tracking.models;

import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.search.FilterParser;
import dev.dmsmlflow.tracking.search.FilterParser.Clause;
import dev.dmsmlflow.tracking.search.FilterParser.Value;
import dev.dmsmlflow.tracking.search.PageToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST logged-models/search}: experiment scope, filter over attributes / metrics / params / tags,
 * dataset restrictions for metrics, order_by objects (attributes or latest metric value), offset page
 * tokens bound to the query they came from.
 */
@ApplicationScoped
public class LoggedModelSearch {
    public static final int DEFAULT_MAX_RESULTS = 100;
    public static final int MAX_RESULTS_LIMIT = 50_000;

    /** String attributes and their columns. */
    private static final Map<String, String> STRING_ATTRIBUTES = Map.of(
            "name", "lm.name",
            "model_id", "lm.model_id",
            "model_type", "lm.model_type",
            "status", "lm.status",
            "source_run_id", "lm.source_run_id",
            "artifact_location", "lm.artifact_location",
            "artifact_uri", "lm.artifact_location");
    private static final Map<String, String> NUMERIC_ATTRIBUTES = Map.of(
            "creation_timestamp", "lm.creation_timestamp_ms",
            "creation_time", "lm.creation_timestamp_ms",
            "creation_timestamp_ms", "lm.creation_timestamp_ms",
            "last_updated_timestamp", "lm.last_updated_timestamp_ms",
            "last_updated_time", "lm.last_updated_timestamp_ms",
            "last_updated_timestamp_ms", "lm.last_updated_timestamp_ms");
    private static final Set<String> NUMERIC_OPS = Set.of("=", "!=", ">", ">=", "<", "<=");
    private static final Set<String> STRING_OPS = Set.of("=", "!=", "LIKE", "ILIKE");

    @Inject
    LoggedModelStore store;

    public record DatasetFilter(String name, String digest) {
    }

    public record OrderBy(String fieldName, boolean ascending, String datasetName, String datasetDigest) {
    }

    public record Page(List<LoggedModel> models, String nextPageToken) {
    }

    public Page search(List<String> experimentIds, String filter, List<DatasetFilter> datasets, int maxResults,
                       List<OrderBy> orderBy, String pageToken) {
        String fingerprint = fingerprint(experimentIds, filter, datasets, orderBy);
        long offset = decodeToken(pageToken, fingerprint);
        List<Long> ids = new ArrayList<>();
        for (String id : experimentIds) {
            try {
                ids.add(Long.parseLong(id.trim()));
            } catch (NumberFormatException e) {
                // not one of ours: matches nothing, as an unknown id would
            }
        }
        List<Clause> clauses = FilterParser.parseFilter(filter);

        Sql sql = new Sql().append("SELECT " + LoggedModelStore.COLUMNS + " FROM logged_models lm");
        // order-by joins come first so their bind values precede the WHERE clause's
        List<String> orderParts = new ArrayList<>();
        boolean hasCreation = false;
        int n = 0;
        for (OrderBy ob : orderBy) {
            String field = ob.fieldName();
            if (field == null || field.isEmpty()) {
                throw MlflowException.invalidParameter("`field_name` in the `order_by` clause must be specified.");
            }
            String dir = ob.ascending() ? "ASC" : "DESC";
            int dot = field.indexOf('.');
            if (dot < 0) {
                String col = orderColumn(field);
                if (col.equals("lm.creation_timestamp_ms")) {
                    hasCreation = true;
                }
                orderParts.add("(" + col + " IS NULL) ASC, " + col + " " + dir);
                continue;
            }
            String entity = field.substring(0, dot);
            String key = stripQuotes(field.substring(dot + 1));
            if (!entity.equals("metrics") && !entity.equals("metric")) {
                throw MlflowException.invalidParameter("Invalid order by field name: " + field + ". Only metrics are supported.");
            }
            if (ob.datasetDigest() != null && ob.datasetName() == null) {
                throw MlflowException.invalidParameter("`dataset_digest` can only be specified if `dataset_name` is also specified.");
            }
            String alias = "ob" + (n++);
            sql.append(" LEFT JOIN LATERAL (SELECT m.value FROM metrics m WHERE m.model_id = lm.model_id AND m.key = ?", key);
            if (ob.datasetName() != null) {
                sql.append(" AND m.dataset_name = ?", ob.datasetName());
            }
            if (ob.datasetDigest() != null) {
                sql.append(" AND m.dataset_digest = ?", ob.datasetDigest());
            }
            sql.append(" ORDER BY m.timestamp DESC, m.step DESC LIMIT 1) " + alias + " ON TRUE");
            orderParts.add("(" + alias + ".value IS NULL) ASC, " + alias + ".value " + dir);
        }
        if (!hasCreation) {
            orderParts.add("lm.creation_timestamp_ms DESC");
        }
        orderParts.add("lm.model_id ASC");

        sql.append(" WHERE lm.lifecycle_stage = 'active' AND lm.experiment_id = ANY(?)", (Object) ids.toArray(Long[]::new));
        boolean hasMetricFilter = false;
        for (Clause cl : clauses) {
            sql.append(" AND ");
            hasMetricFilter |= appendClause(sql, cl, datasets);
        }
        if (!datasets.isEmpty() && !hasMetricFilter) {
            sql.append(" AND EXISTS (SELECT 1 FROM metrics m WHERE m.model_id = lm.model_id AND ");
            appendDatasets(sql, datasets);
            sql.append(")");
        }
        sql.append(" ORDER BY " + String.join(", ", orderParts));
        sql.append(" LIMIT ? OFFSET ?", maxResults + 1, offset);
        List<LoggedModel> models = store.query(sql);
        String next = null;
        if (models.size() > maxResults) {
            models = new ArrayList<>(models.subList(0, maxResults));
            next = encodeToken(offset + maxResults, fingerprint);
        }
        return new Page(models, next);
    }

    private static String orderColumn(String field) {
        String f = stripQuotes(field);
        String col = STRING_ATTRIBUTES.get(f);
        if (col == null) {
            col = NUMERIC_ATTRIBUTES.get(f);
        }
        if (col == null && f.equals("experiment_id")) {
            col = "lm.experiment_id";
        }
        if (col == null) {
            throw MlflowException.invalidParameter("Invalid order by field name: " + field);
        }
        return col;
    }

    private static String stripQuotes(String s) {
        if (s.length() >= 2 && ((s.startsWith("`") && s.endsWith("`")) || (s.startsWith("\"") && s.endsWith("\"")))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    private static void appendDatasets(Sql sql, List<DatasetFilter> datasets) {
        sql.append("(");
        for (int i = 0; i < datasets.size(); i++) {
            DatasetFilter d = datasets.get(i);
            if (i > 0) {
                sql.append(" OR ");
            }
            sql.append("(m.dataset_name = ?", d.name());
            if (d.digest() != null) {
                sql.append(" AND m.dataset_digest = ?", d.digest());
            }
            sql.append(")");
        }
        sql.append(")");
    }

    /** Appends one filter clause; returns true for a metric clause. */
    private static boolean appendClause(Sql sql, Clause cl, List<DatasetFilter> datasets) {
        String op = cl.comparator();
        switch (cl.type()) {
            case FilterParser.ATTRIBUTE -> {
                String key = cl.key();
                String numeric = NUMERIC_ATTRIBUTES.get(key);
                if (numeric != null) {
                    requireOp(cl, NUMERIC_OPS);
                    sql.append(numeric + " " + op + " ?", number(cl));
                    return false;
                }
                String col = STRING_ATTRIBUTES.get(key);
                if (col == null) {
                    throw MlflowException.invalidParameter("Invalid attribute key '" + key + "' in the filter. Valid keys are "
                            + "name, model_id, model_type, status, source_run_id, creation_timestamp, last_updated_timestamp.");
                }
                if (op.equals("IN") || op.equals("NOT IN")) {
                    // the UI asks for a run's models with model_id IN (...)
                    if (cl.value().kind() != Value.Kind.LIST) {
                        throw MlflowException.invalidParameter("Expected a list of quoted strings for '" + op + "' on attributes."
                                + key + ", e.g. " + key + " IN ('a', 'b'). Got " + cl.value());
                    }
                    List<String> values = new java.util.ArrayList<>(cl.value().list());
                    if (key.equals("status")) {
                        values.replaceAll(LoggedModelSearch::canonicalStatusForFilter);
                    }
                    sql.append((op.equals("IN") ? "" : "NOT ") + "(" + col + " = ANY(?))", (Object) values.toArray(String[]::new));
                    return false;
                }
                requireOp(cl, STRING_OPS);
                String value = string(cl);
                if (key.equals("status") && (op.equals("=") || op.equals("!="))) {
                    value = canonicalStatusForFilter(value);
                }
                stringCompare(sql, col, op, value);
                return false;
            }
            case FilterParser.METRIC -> {
                requireOp(cl, NUMERIC_OPS);
                sql.append("EXISTS (SELECT 1 FROM metrics m WHERE m.model_id = lm.model_id AND m.key = ? AND m.value " + op + " ?",
                        cl.key(), number(cl));
                if (!datasets.isEmpty()) {
                    sql.append(" AND ");
                    appendDatasets(sql, datasets);
                }
                sql.append(")");
                return true;
            }
            case FilterParser.PARAM -> {
                requireOp(cl, STRING_OPS);
                sql.append("EXISTS (SELECT 1 FROM logged_model_params p WHERE p.model_id = lm.model_id AND p.key = ? AND ", cl.key());
                stringCompare(sql, "p.value", op, string(cl));
                sql.append(")");
                return false;
            }
            case FilterParser.TAG -> {
                requireOp(cl, STRING_OPS);
                sql.append("EXISTS (SELECT 1 FROM logged_model_tags t WHERE t.model_id = lm.model_id AND t.key = ? AND ", cl.key());
                stringCompare(sql, "t.value", op, string(cl));
                sql.append(")");
                return false;
            }
            default -> throw MlflowException.invalidParameter("Invalid entity type '" + cl.type()
                    + "'. Expected one of ['attributes', 'metrics', 'params', 'tags'].");
        }
    }

    /** {@code READY} and {@code LOGGED_MODEL_READY} both name the READY status. */
    static String canonicalStatusForFilter(String v) {
        String u = v.toUpperCase(Locale.ROOT);
        return u.startsWith("LOGGED_MODEL_") ? u : "LOGGED_MODEL_" + u;
    }

    private static void stringCompare(Sql sql, String col, String op, String value) {
        switch (op) {
            case "=" -> sql.append(col + " = ?", value);
            case "!=" -> sql.append("(" + col + " IS NULL OR " + col + " <> ?)", value);
            case "LIKE" -> sql.append(col + " LIKE ?", value);
            case "ILIKE" -> sql.append(col + " ILIKE ?", value);
            default -> throw new IllegalStateException(op);
        }
    }

    private static void requireOp(Clause cl, Set<String> ops) {
        if (!ops.contains(cl.comparator())) {
            String expected = ops == NUMERIC_OPS ? "('<', '<=', '>', '>=', '=', '!=')" : "('=', '!=', 'LIKE', 'ILIKE')";
            throw MlflowException.invalidParameter("Invalid comparison operator for " + cl.type() + "s." + cl.key() + ": '"
                    + cl.comparator() + "'. Expected one of " + expected + ".");
        }
    }

    private static double number(Clause cl) {
        Value v = cl.value();
        if (v.kind() != Value.Kind.NUMBER || v.number() == null) {
            throw MlflowException.invalidParameter("Expected a numeric value for " + cl.type() + " '" + cl.key() + "' but got " + v);
        }
        return v.number();
    }

    private static String string(Clause cl) {
        Value v = cl.value();
        if (v.kind() != Value.Kind.STRING) {
            throw MlflowException.invalidParameter("Expected a quoted string value for " + cl.type() + " '" + cl.key()
                    + "' (e.g. 'my-value'). Got value " + v);
        }
        return v.text();
    }

    // ---- page tokens: {"offset": N, "query": fingerprint} so a token only continues its own query

    static String fingerprint(List<String> experimentIds, String filter, List<DatasetFilter> datasets, List<OrderBy> orderBy) {
        StringBuilder sb = new StringBuilder();
        sb.append(experimentIds).append('\u0000').append(filter == null ? "" : filter).append('\u0000')
                .append(datasets).append('\u0000').append(orderBy);
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String encodeToken(long offset, String fingerprint) {
        String json = "{\"offset\": " + offset + ", \"query\": \"" + fingerprint + "\"}";
        return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static long decodeToken(String token, String fingerprint) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        long offset = PageToken.decodeOffset(token);
        String q;
        try {
            q = Json.MAPPER.readTree(Base64.getDecoder().decode(token.trim())).path("query").asText(null);
        } catch (Exception e) {
            throw MlflowException.invalidParameter("Invalid page token, could not base64-decode");
        }
        if (q == null || !q.equals(fingerprint)) {
            throw MlflowException.invalidParameter("The page token does not belong to this search: experiment_ids, "
                    + "filter, datasets and order_by must be the same as in the request that produced it.");
        }
        return offset;
    }
}
