package dev.dmsmlflow.tracking.traces;

import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.search.PageToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * search_traces: filter and order trace infos of some experiments into parameterized SQL. The default
 * order (timestamp_ms DESC, request_id) walks {@code trace_info_exp_ts_idx} and stops after a page.
 */
@ApplicationScoped
public class TraceSearch {
    public static final int DEFAULT_MAX_RESULTS = 100;
    public static final int MAX_RESULTS = 500;

    private static final Map<String, String> NUMERIC = Map.of(
            "timestamp_ms", "t.timestamp_ms", "timestamp", "t.timestamp_ms",
            "execution_time_ms", "t.execution_time_ms", "execution_time", "t.execution_time_ms",
            "end_time_ms", "(t.timestamp_ms + t.execution_time_ms)", "end_time", "(t.timestamp_ms + t.execution_time_ms)");
    private static final Map<String, String> STRING_ATTRS = Map.of(
            "status", "t.status", "state", "t.status", "request_id", "t.request_id", "trace_id", "t.request_id",
            "client_request_id", "t.client_request_id", "request_preview", "t.request_preview",
            "response_preview", "t.response_preview");

    /** Order keys whose columns are NOT NULL. */
    private static final Map<String, String> NOT_NULL = Map.of("timestamp_ms", "t.timestamp_ms", "timestamp", "t.timestamp_ms",
            "status", "t.status", "state", "t.status", "request_id", "t.request_id", "trace_id", "t.request_id",
            "experiment_id", "t.experiment_id");

    @Inject
    Db db;

    public record Page(List<TraceInfo> traces, String nextPageToken) {
    }

    public Page search(List<Long> experimentIds, String filter, int maxResults, List<String> orderBy, String pageToken) {
        if (maxResults < 1) {
            throw MlflowException.invalidParameter("Invalid value " + maxResults
                    + " for parameter 'max_results' supplied. It must be a positive integer");
        }
        if (maxResults > MAX_RESULTS) {
            throw MlflowException.invalidParameter("Invalid value " + maxResults
                    + " for parameter 'max_results' supplied. It must be at most " + MAX_RESULTS);
        }
        long offset = PageToken.decodeOffset(pageToken);
        Sql sql = new Sql();
        if (experimentIds.size() == 1) {
            // an equality keeps the (experiment_id, timestamp_ms DESC, request_id) index walk in order
            sql.append("SELECT t.request_id FROM trace_info t WHERE t.experiment_id = ?", experimentIds.get(0));
        } else {
            sql.append("SELECT t.request_id FROM trace_info t WHERE t.experiment_id = ANY(?)",
                    (Object) experimentIds.toArray(new Long[0]));
        }
        for (TraceFilter.Clause c : TraceFilter.parse(filter)) {
            sql.append(" AND ");
            clause(sql, c);
        }
        sql.append(" ORDER BY ");
        Set<String> seen = new HashSet<>();
        for (String item : orderBy) {
            TraceFilter.Order o = TraceFilter.parseOrder(item);
            String col = o.type().equals(TraceFilter.ATTRIBUTE) ? NOT_NULL.get(o.key().toLowerCase(Locale.ROOT)) : null;
            if (!seen.add(col != null ? col : o.type() + "." + o.key())) {
                throw MlflowException.invalidParameter("`order_by` contains duplicate fields: " + orderBy);
            }
            if (col != null) {
                // columns without NULLs: plain ASC/DESC so an index in that order can serve the sort
                sql.append(col + (o.ascending() ? " ASC" : " DESC") + ", ");
            } else {
                order(sql, o);
                sql.append(", ");
            }
        }
        if (!seen.contains("t.timestamp_ms")) {
            sql.append("t.timestamp_ms DESC, ");
        }
        sql.append((seen.contains("t.request_id") ? "t.experiment_id" : "t.request_id ASC")
                + " LIMIT ? OFFSET ?", maxResults, offset);
        // one statement: the page query's ids, in order, joined to their infos, tags and metadata
        return db.read(c -> {
            List<TraceInfo> infos = TraceStore.loadPage(c, new Sql().append("ARRAY(" + sql.text() + ")", sql.values().toArray()));
            String next = infos.size() == maxResults ? PageToken.encode(offset + maxResults) : null;
            return new Page(infos, next);
        });
    }

    private static void order(Sql sql, TraceFilter.Order o) {
        String dir = o.ascending() ? " ASC" : " DESC";
        String nulls = o.ascending() ? " NULLS LAST" : " NULLS LAST";
        switch (o.type()) {
            case TraceFilter.ATTRIBUTE -> {
                String k = o.key().toLowerCase(Locale.ROOT);
                String col = NUMERIC.get(k);
                if (col == null) {
                    col = switch (k) {
                        case "status", "state" -> "t.status";
                        case "request_id", "trace_id" -> "t.request_id";
                        case "experiment_id" -> "t.experiment_id";
                        case "name" -> null;
                        case "run_id" -> null;
                        default -> throw MlflowException.invalidParameter("Invalid order by key '" + o.key()
                                + "' specified. Valid keys are ['experiment_id', 'timestamp', 'timestamp_ms', "
                                + "'execution_time', 'execution_time_ms', 'end_time', 'end_time_ms', 'status', "
                                + "'request_id', 'name', 'run_id']");
                    };
                }
                if (col == null) {
                    boolean name = k.equals("name");
                    sql.append("(SELECT v.value FROM " + (name ? "trace_tags" : "trace_request_metadata")
                            + " v WHERE v.request_id = t.request_id AND v.key = ?)" + dir + nulls,
                            name ? TraceInfo.TAG_TRACE_NAME : TraceInfo.META_SOURCE_RUN);
                } else {
                    sql.append(col + dir + nulls);
                }
            }
            case TraceFilter.TAG, TraceFilter.METADATA -> sql.append("(SELECT v.value FROM "
                    + (o.type().equals(TraceFilter.TAG) ? "trace_tags" : "trace_request_metadata")
                    + " v WHERE v.request_id = t.request_id AND v.key = ?)" + dir + nulls, o.key());
            default -> throw MlflowException.invalidParameter("Invalid order_by entity type '" + o.type() + "'");
        }
    }

    static void clause(Sql sql, TraceFilter.Clause c) {
        String cmp = c.comparator();
        switch (c.type()) {
            case TraceFilter.ATTRIBUTE -> attribute(sql, c);
            case TraceFilter.TAG -> keyValue(sql, "trace_tags", c.key(), c);
            case TraceFilter.METADATA -> keyValue(sql, "trace_request_metadata", c.key(), c);
            case TraceFilter.SPAN -> {
                String col = switch (c.key().toLowerCase(Locale.ROOT)) {
                    case "name" -> "s.name";
                    case "type" -> "s.type";
                    case "status" -> "s.status";
                    case "content" -> "s.content";
                    default -> {
                        if (c.key().startsWith("attributes.")) {
                            yield null;
                        }
                        throw MlflowException.invalidParameter("Invalid span attribute '" + c.key()
                                + "'. Supported attributes: name, type, status, content, attributes.<key>");
                    }
                };
                if (cmp.startsWith("IS")) {
                    throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' for span filters");
                }
                sql.append("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.request_id AND ");
                if (col == null) {
                    sql.append("(s.content::jsonb -> 'attributes' ->> ?)", c.key().substring("attributes.".length()));
                    stringCompare(sql, "", c, true);
                } else if (col.equals("s.status")) {
                    stringCompare(sql, col, withStatus(c), false);
                } else {
                    stringCompare(sql, col, c, false);
                }
                sql.append(")");
            }
            case TraceFilter.FEEDBACK, TraceFilter.EXPECTATION -> {
                boolean exists = !cmp.equals("IS NULL");
                sql.append((exists ? "" : "NOT ") + "EXISTS (SELECT 1 FROM assessments a WHERE a.trace_id = t.request_id "
                        + "AND a.valid AND a.assessment_type = ? AND a.name = ?", c.type(), c.key());
                if (!cmp.startsWith("IS")) {
                    sql.append(" AND ");
                    stringCompare(sql, "COALESCE(a.value -> 'serialized_value' ->> 'value', a.value ->> 'value')",
                            c, false);
                }
                sql.append(")");
            }
            default -> throw MlflowException.invalidParameter("Invalid entity type '" + c.type() + "'");
        }
    }

    /** span.status values are accepted as OK/ERROR/UNSET and stored as STATUS_CODE_*. */
    private static TraceFilter.Clause withStatus(TraceFilter.Clause c) {
        if (c.value() instanceof String s && !s.startsWith("STATUS_CODE_") && !c.comparator().contains("LIKE")) {
            return new TraceFilter.Clause(c.type(), c.key(), c.comparator(), "STATUS_CODE_" + s.toUpperCase(Locale.ROOT));
        }
        return c;
    }

    private static void attribute(Sql sql, TraceFilter.Clause c) {
        String k = c.key().toLowerCase(Locale.ROOT);
        String cmp = c.comparator();
        String numeric = NUMERIC.get(k);
        if (numeric != null) {
            if (!(c.value() instanceof Double d)) {
                throw MlflowException.invalidParameter("Invalid filter: the value of attribute '" + c.key()
                        + "' must be a number");
            }
            if (!List.of("=", "!=", "<", "<=", ">", ">=").contains(cmp)) {
                throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' for numeric attribute '" + c.key() + "'");
            }
            sql.append(numeric + " " + cmp + " ?", d.longValue() == d ? (Object) d.longValue() : (Object) d);
            return;
        }
        switch (k) {
            case "name" -> keyValue(sql, "trace_tags", TraceInfo.TAG_TRACE_NAME, c);
            case "prompt" -> {
                // prompt = 'name/version' matches traces linked to that prompt version
                if (!cmp.equals("=")) {
                    throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' for 'prompt': only '=' is supported");
                }
                sql.append("EXISTS (SELECT 1 FROM entity_associations e WHERE e.source_type = 'trace' "
                        + "AND e.source_id = t.request_id AND e.destination_type = 'prompt_version' AND e.destination_id = ?)",
                        String.valueOf(c.value()));
            }
            case "run_id" -> {
                if (!cmp.equals("=")) {
                    keyValue(sql, "trace_request_metadata", TraceInfo.META_SOURCE_RUN, c);
                    return;
                }
                String run = String.valueOf(c.value());
                sql.append("(EXISTS (SELECT 1 FROM trace_request_metadata m WHERE m.request_id = t.request_id "
                        + "AND m.key = ? AND m.value = ?) OR EXISTS (SELECT 1 FROM entity_associations e "
                        + "WHERE e.source_type = 'trace' AND e.source_id = t.request_id AND e.destination_type = 'run' "
                        + "AND e.destination_id = ?))", TraceInfo.META_SOURCE_RUN, run, run);
            }
            case "text" -> {
                if (!cmp.contains("LIKE")) {
                    throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' for 'text': use LIKE or ILIKE");
                }
                sql.append("EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.request_id AND ");
                stringCompare(sql, "s.content", c, false);
                sql.append(")");
            }
            default -> {
                String col = STRING_ATTRS.get(k);
                if (col == null) {
                    throw MlflowException.invalidParameter("Invalid attribute key '" + c.key() + "' specified. Valid keys are "
                            + "['client_request_id', 'end_time', 'end_time_ms', 'execution_time', 'execution_time_ms', "
                            + "'name', 'prompt', 'request_id', 'run_id', 'status', 'text', 'timestamp', 'timestamp_ms']");
                }
                if (cmp.startsWith("IS")) {
                    sql.append(col + (cmp.equals("IS NULL") ? " IS NULL" : " IS NOT NULL"));
                    return;
                }
                stringCompare(sql, col, c, false);
            }
        }
    }

    private static void keyValue(Sql sql, String table, String key, TraceFilter.Clause c) {
        String cmp = c.comparator();
        if (cmp.equals("IS NULL")) {
            sql.append("NOT EXISTS (SELECT 1 FROM " + table + " v WHERE v.request_id = t.request_id AND v.key = ?)", key);
            return;
        }
        sql.append("EXISTS (SELECT 1 FROM " + table + " v WHERE v.request_id = t.request_id AND v.key = ?", key);
        if (!cmp.equals("IS NOT NULL")) {
            sql.append(" AND ");
            stringCompare(sql, "v.value", c, false);
        }
        sql.append(")");
    }

    /** {@code column cmp ?} for string comparators; with {@code prefixed} the column text was already appended. */
    private static void stringCompare(Sql sql, String column, TraceFilter.Clause c, boolean prefixed) {
        String cmp = c.comparator();
        String col = prefixed ? "" : column;
        switch (cmp) {
            case "=", "!=", "LIKE" -> sql.append(col + " " + (cmp.equals("LIKE") ? "LIKE" : cmp) + " ?", text(c));
            case "ILIKE" -> sql.append(col + " ILIKE ?", text(c));
            case "RLIKE" -> sql.append(col + " ~ ?", text(c));
            case "IN", "NOT IN" -> {
                if (!(c.value() instanceof List<?> l)) {
                    throw MlflowException.invalidParameter("Invalid filter: " + cmp + " needs a list of values");
                }
                sql.append((cmp.equals("IN") ? col + " = ANY(?)" : "NOT (" + col + " = ANY(?))"),
                        (Object) l.stream().map(String::valueOf).toArray(String[]::new));
            }
            default -> throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' for '" + c.key() + "'");
        }
    }

    private static String text(TraceFilter.Clause c) {
        Object v = c.value();
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && !Double.isInfinite(d) ? Long.toString(d.longValue()) : Double.toString(d);
        }
        throw MlflowException.invalidParameter("Invalid filter: '" + c.key() + "' needs a single value");
    }
}
