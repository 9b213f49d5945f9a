package dev.dmsmlflow.tracking.runs;

import dev.dmsmlflow.tracking.config.TrackingConfig;
import dev.dmsmlflow.tracking.db.Db;
import dev.dmsmlflow.tracking.db.Sql;
import dev.dmsmlflow.tracking.experiments.ExperimentStore.ViewType;
import dev.dmsmlflow.tracking.http.MlflowException;
import dev.dmsmlflow.tracking.search.FilterParser;
import dev.dmsmlflow.tracking.search.FilterParser.Clause;
import dev.dmsmlflow.tracking.search.FilterParser.OrderTerm;
import dev.dmsmlflow.tracking.search.FilterParser.Value;
import dev.dmsmlflow.tracking.search.PageToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs search: the filter grammar and order_by turned into one parameterized SQL query over runs,
 * latest_metrics, params and tags (values always bound, never pasted), offset page tokens.
 */
@ApplicationScoped
public class RunSearch {
    static final Set<String> NUMERIC_COMPARATORS = Set.of("=", "!=", ">", ">=", "<", "<=");
    static final Set<String> STRING_COMPARATORS = Set.of("=", "!=", "LIKE", "ILIKE");
    static final Map<String, String> STRING_ATTRIBUTES = Map.of(
            "run_id", "r.run_uuid", "run_name", "r.name", "user_id", "r.user_id", "status", "r.status",
            "artifact_uri", "r.artifact_uri", "lifecycle_stage", "r.lifecycle_stage");
    static final Map<String, String> NUMERIC_ATTRIBUTES = Map.of("start_time", "r.start_time", "end_time", "r.end_time");
    static final Map<String, String> ATTRIBUTE_ALIASES = Map.of("created", "start_time", "Created", "start_time",
            "run name", "run_name", "Run name", "run_name", "Run Name", "run_name", "run_uuid", "run_id");

    /** Characters of param and tag values indexed with their key (value_prefix, migrations V20 and V52). */
    static final int VALUE_PREFIX_INDEXED = 256;

    @Inject
    Db db;

    @Inject
    TrackingConfig config;

    /** The first {@link #VALUE_PREFIX_INDEXED} characters (code points, as PostgreSQL's left()) of a value. */
    static String prefix(String value) {
        if (value.length() <= VALUE_PREFIX_INDEXED || value.codePointCount(0, value.length()) <= VALUE_PREFIX_INDEXED) {
            return value;
        }
        return value.substring(0, value.offsetByCodePoints(0, VALUE_PREFIX_INDEXED));
    }

    /** A page of runs. */
    public record Page(List<Run> runs, String nextPageToken) {
    }

    public Page search(List<String> experimentIds, String filter, ViewType view, int maxResults, List<String> orderBy,
                       String pageToken) {
        long offset = PageToken.decodeOffset(pageToken);
        build(experimentIds, filter, view, orderBy); // validates everything
        if (experimentIds.isEmpty()) {
            return new Page(List.of(), null);
        }
        return db.read(c -> {
            Set<Integer> hashed = commonEqualities(c, experimentIds, filter);
            List<Sql> queries = segments(experimentIds, filter, view, orderBy, hashed);
            if (queries == null) {
                queries = List.of(build(experimentIds, filter, view, orderBy, -1, hashed));
            }
            Map<String, Run> runs = new LinkedHashMap<>();
            int want = maxResults + 1;
            long skip = offset;
            for (int s = 0; s < queries.size() && runs.size() < want; s++) {
                List<Run> got = pageAndFill(c, queries.get(s), want - runs.size(), skip);
                for (Run run : got) {
                    runs.put(run.info.runId(), run);
                }
                if (runs.size() < want && s + 1 < queries.size()) {
                    // this segment is exhausted: carry the rest of the offset over to the next one
                    if (!got.isEmpty()) {
                        skip = 0;
                    } else if (skip > 0) {
                        skip = Math.max(0, skip - count(c, queries.get(s)));
                    }
                }
            }
            String next = null;
            if (runs.size() > maxResults) {
                String last = null;
                for (String k : runs.keySet()) {
                    last = k;
                }
                runs.remove(last);
                next = PageToken.encode(offset + maxResults);
            }
            return new Page(new ArrayList<>(runs.values()), next);
        });
    }

    /**
     * One page (segment) query and the fill of its runs in one statement (one round trip, one snapshot): the page's runs
     * (numbered in the query's order) as a materialized CTE, then their rows as {@link RunStore#fillBranches} reads them.
     * Answers the runs in the query's order, filled.
     */
    private static List<Run> pageAndFill(java.sql.Connection c, Sql query, int limit, long offset) throws java.sql.SQLException {
        Sql q = new Sql().append("WITH page AS MATERIALIZED (SELECT row_number() OVER () AS rn, q.* FROM ("
                + query.text(), query.values().toArray());
        q.append(" LIMIT ? OFFSET ?) AS q) SELECT " + RunStore.KIND_RUN + " AS kind, run_uuid::text, name::text, user_id::text, "
                + "status::text, lifecycle_stage::text, artifact_uri::text, NULL::text, NULL::text, NULL::float8, experiment_id, "
                + "start_time, end_time, rn FROM page UNION ALL "
                + RunStore.fillBranches("ARRAY(SELECT run_uuid FROM page)", "ARRAY(SELECT run_key FROM page)"),
                limit, offset);
        Map<String, Run> byId = new HashMap<>();
        List<Object[]> ranked = new ArrayList<>();
        RunStore.Filler filler = new RunStore.Filler(byId);
        try (PreparedStatement ps = q.prepare(c); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (rs.getInt(1) != RunStore.KIND_RUN) {
                    filler.row(rs);
                    continue;
                }
                long start = rs.getLong(12);
                Long startTime = rs.wasNull() ? null : start;
                long end = rs.getLong(13);
                Long endTime = rs.wasNull() ? null : end;
                Run run = new Run(new Run.Info(rs.getString(2), rs.getLong(11), rs.getString(3), rs.getString(4),
                        rs.getString(5), startTime, endTime, rs.getString(6), rs.getString(7)));
                byId.put(run.info.runId(), run);
                ranked.add(new Object[] {rs.getLong(14), run});
            }
        }
        filler.finish();
        ranked.sort((a, b) -> Long.compare((Long) a[0], (Long) b[0]));
        List<Run> out = new ArrayList<>(ranked.size());
        for (Object[] r : ranked) {
            out.add((Run) r[1]);
        }
        return out;
    }

    private static long count(java.sql.Connection c, Sql query) throws java.sql.SQLException {
        Sql q = new Sql().append("SELECT count(*) FROM (" + query.text() + ") AS segment", query.values().toArray());
        try (PreparedStatement ps = q.prepare(c); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Positions (in the parsed filter) of the equality clauses on params or tags whose value at least
     * {@code dms.tracking.search.hashed-equality-min-rows} runs of the searched experiments have: those are tested as a hashed set (one
     * index range read once), the others by a per-run probe that lets PostgreSQL start from their few runs. One
     * bounded index-only count per such clause, whose answer is reused for {@link #COMMON_TTL_NANOS} (the pages of one
     * search, a refreshed view): it changes the plan, never the result.
     */
    private Set<Integer> commonEqualities(java.sql.Connection c, List<String> experimentIds, String filter)
            throws java.sql.SQLException {
        Set<Integer> out = new HashSet<>();
        List<Clause> clauses = FilterParser.parseFilter(filter);
        Long[] exps = null;
        for (int i = 0; i < clauses.size(); i++) {
            Clause cl = clauses.get(i);
            if (cl.isNullCheck() || !cl.comparator().equals("=")
                    || !(cl.type().equals(FilterParser.PARAM) || cl.type().equals(FilterParser.TAG))) {
                continue;
            }
            int minRows = config.search().hashedEqualityMinRows();
            if (minRows <= 0) {
                out.add(i);
                continue;
            }
            String table = cl.type().equals(FilterParser.PARAM) ? "params" : "tags";
            String prefix = prefix(cl.value().text());
            CommonKey key = new CommonKey(List.copyOf(experimentIds), table, cl.key(), prefix, minRows);
            long now = System.nanoTime();
            Common known = common.get(key);
            if (known == null || now - known.at() > COMMON_TTL_NANOS) {
                if (exps == null) {
                    exps = experimentIds(experimentIds);
                }
                Sql q = new Sql().append("SELECT count(*) FROM (SELECT 1 FROM " + table + " h WHERE h.experiment_id = ANY(?) "
                        + "AND h.key = ? AND h.value_prefix = ? LIMIT ?) AS h", exps, cl.key(), prefix, minRows);
                try (PreparedStatement ps = q.prepare(c); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    known = new Common(rs.getLong(1) >= minRows, now);
                }
                if (common.size() >= COMMON_MAX_ENTRIES) {
                    common.clear();
                }
                common.put(key, known);
            }
            if (known.common()) {
                out.add(i);
            }
        }
        return out;
    }

    /** How long the answer of an equality's count is reused (see {@link #commonEqualities}). */
    static final long COMMON_TTL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    private static final int COMMON_MAX_ENTRIES = 1024;
    private final Map<CommonKey, Common> common = new java.util.concurrent.ConcurrentHashMap<>();

    /** What an equality count was asked: the searched experiments, params or tags, key, value prefix, threshold. */
    private record CommonKey(List<String> experimentIds, String table, String key, String prefix, int minRows) {
    }

    /** An equality count's answer and when it was read ({@link System#nanoTime}). */
    private record Common(boolean common, long at) {
    }

    /**
     * When the first order term is a metric, the same ordering split into three queries run one after
     * the other: runs whose latest value is a number (ordered by the value, so PostgreSQL can walk
     * latest_metrics' (experiment_id, key, value) index and stop after one page instead of sorting every
     * matching run), then runs whose value is NaN, then runs without the metric. Null otherwise.
     */
    static List<Sql> segments(List<String> experimentIds, String filter, ViewType view, List<String> orderBy,
                              Set<Integer> hashed) {
        if (orderBy.isEmpty() || !FilterParser.METRIC.equals(FilterParser.parseOrderBy(orderBy.get(0)).type())) {
            return null;
        }
        List<Sql> out = new ArrayList<>(3);
        for (int segment = 0; segment < 3; segment++) {
            out.add(build(experimentIds, filter, view, orderBy, segment, hashed));
        }
        return out;
    }

    /** Builds the query text and binds (without LIMIT/OFFSET). Visible for tests. */
    public static Sql build(List<String> experimentIds, String filter, ViewType view, List<String> orderBy) {
        return build(experimentIds, filter, view, orderBy, -1, Set.of());
    }

    private static Long[] experimentIds(List<String> experimentIds) {
        Long[] exps = new Long[experimentIds.size()];
        for (int i = 0; i < exps.length; i++) {
            try {
                exps[i] = Long.parseLong(experimentIds.get(i));
            } catch (NumberFormatException e) {
                throw MlflowException.invalidParameter("Invalid experiment ID: '" + experimentIds.get(i) + "'");
            }
        }
        return exps;
    }

    /**
     * {@code segment} -1: one query for the whole ordering; 0/1/2 (first order term a metric): only the runs
     * whose value of that metric is a number / NaN / missing, ordered by the value then the other terms.
     * {@code hashed}: positions of the equality clauses tested as a hashed set (see {@link #commonEqualities}).
     */
    private static Sql build(List<String> experimentIds, String filter, ViewType view, List<String> orderBy, int segment,
                             Set<Integer> hashed) {
        Long[] exps = experimentIds(experimentIds);
        List<Clause> clauses = FilterParser.parseFilter(filter);
        for (Clause cl : clauses) {
            validate(cl);
        }
        Sql joins = new Sql();
        List<String> orderParts = new ArrayList<>();
        List<Object> orderBinds = new ArrayList<>();
        orderClauses(orderBy, joins, orderParts);
        Sql segmentWhere = new Sql();
        if (segment >= 0) {
            // the first term is a metric: replace its LEFT JOIN and NULL/NaN ordering by one segment
            String key = FilterParser.parseOrderBy(orderBy.get(0)).key();
            boolean asc = FilterParser.parseOrderBy(orderBy.get(0)).ascending();
            joins = new Sql();
            List<String> rest = new ArrayList<>();
            orderClauses(orderBy.subList(1, orderBy.size()), joins, rest, 1);
            orderParts = new ArrayList<>();
            if (segment < 2) {
                Sql first = new Sql().append(" JOIN latest_metrics os ON os.run_key = r.run_key AND os.key = ?", key);
                if (exps.length == 1) {
                    first.append(" AND os.experiment_id = ?", exps[0]);
                } else {
                    first.append(" AND os.experiment_id = ANY(?)", (Object) exps);
                }
                joins = first.append(joins.text(), joins.values().toArray());
                if (segment == 0) {
                    segmentWhere.append(" AND os.value <> 'NaN'::float8");
                    orderParts.add("os.value" + (asc ? " ASC" : " DESC"));
                } else {
                    segmentWhere.append(" AND os.value = 'NaN'::float8");
                }
            } else {
                segmentWhere.append(" AND NOT EXISTS (SELECT 1 FROM latest_metrics os WHERE os.run_key = r.run_key "
                        + "AND os.key = ?)", key);
            }
            orderParts.addAll(rest);
        }
        Sql sql = new Sql().append("SELECT " + RunStore.INFO_COLUMNS + ", r.run_key FROM runs r");
        sql.append(joins.text(), joins.values().toArray());
        if (exps.length == 1) {
            sql.append(" WHERE r.experiment_id = ? AND " + view.sqlCondition("r.lifecycle_stage"), exps[0]);
        } else {
            sql.append(" WHERE r.experiment_id = ANY(?) AND " + view.sqlCondition("r.lifecycle_stage"), (Object) exps);
        }
        sql.append(segmentWhere.text(), segmentWhere.values().toArray());
        // the rows walked in the order: latest_metrics of the order metric in segments 0 and 1, else runs
        String walked = segment == 0 || segment == 1 ? "os" : "r";
        for (int i = 0; i < clauses.size(); i++) {
            sql.append(" AND ");
            appendClause(sql, clauses.get(i), walked, exps, hashed.contains(i));
        }
        sql.append(" ORDER BY " + String.join(", ", orderParts), orderBinds.toArray());
        return sql;
    }

    private static String attributeKey(String key) {
        return ATTRIBUTE_ALIASES.getOrDefault(key, key);
    }

    static void validate(Clause cl) {
        String cmp = cl.comparator();
        Value v = cl.value();
        if (cl.isNullCheck()) {
            if (!cl.type().equals(FilterParser.PARAM) && !cl.type().equals(FilterParser.TAG)) {
                throw MlflowException.invalidParameter("IS NULL / IS NOT NULL is only supported for tags and params, not for '"
                        + cl.type() + "' '" + cl.key() + "'");
            }
            return;
        }
        switch (cl.type()) {
            case FilterParser.METRIC -> {
                if (v.kind() != Value.Kind.NUMBER) {
                    throw MlflowException.invalidParameter("Expected numeric value type for metric. Found " + v);
                }
                comparator(cmp, NUMERIC_COMPARATORS, "metric");
            }
            case FilterParser.PARAM, FilterParser.TAG -> {
                if (v.kind() != Value.Kind.STRING) {
                    throw MlflowException.invalidParameter("Expected a quoted string value for "
                            + (cl.type().equals("param") ? "parameter" : "tag") + " (e.g. 'my-value'). Got value " + v);
                }
                comparator(cmp, STRING_COMPARATORS, cl.type());
            }
            case FilterParser.ATTRIBUTE -> {
                String key = attributeKey(cl.key());
                if (NUMERIC_ATTRIBUTES.containsKey(key)) {
                    if (v.kind() != Value.Kind.NUMBER) {
                        throw MlflowException.invalidParameter("Expected numeric value type for numeric attribute: "
                                + cl.key() + ". Found " + v);
                    }
                    comparator(cmp, NUMERIC_COMPARATORS, "numeric attribute");
                } else if (STRING_ATTRIBUTES.containsKey(key)) {
                    if (v.kind() == Value.Kind.LIST) {
                        if (!key.equals("run_id")) {
                            throw MlflowException.invalidParameter("Only the 'run_id' attribute supports comparison with a "
                                    + "list of quoted string values.");
                        }
                        if (!cmp.equals("IN") && !cmp.equals("NOT IN")) {
                            throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' for a list of values; "
                                    + "use IN or NOT IN");
                        }
                    } else {
                        if (v.kind() != Value.Kind.STRING) {
                            throw MlflowException.invalidParameter("Expected a quoted string value for attributes. Got value " + v);
                        }
                        comparator(cmp, STRING_COMPARATORS, "string attribute");
                    }
                } else {
                    throw MlflowException.invalidParameter("Invalid attribute key '" + cl.key() + "' specified. Valid keys are "
                            + "'['run_id', 'run_name', 'user_id', 'status', 'artifact_uri', 'lifecycle_stage', 'start_time', "
                            + "'end_time', 'created']'");
                }
            }
            case FilterParser.DATASET -> {
                if (!Set.of("name", "digest", "context").contains(cl.key())) {
                    throw MlflowException.invalidParameter("Invalid dataset key '" + cl.key()
                            + "' specified. Valid keys are '{'name', 'digest', 'context'}'");
                }
                if (v.kind() == Value.Kind.LIST) {
                    if (!cmp.equals("IN") && !cmp.equals("NOT IN")) {
                        throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' for a list of values");
                    }
                } else if (v.kind() != Value.Kind.STRING) {
                    throw MlflowException.invalidParameter("Expected a quoted string value for dataset attributes. Got value " + v);
                } else {
                    comparator(cmp, STRING_COMPARATORS, "dataset attribute");
                }
            }
            default -> throw MlflowException.invalidParameter("Invalid entity type '" + cl.type() + "'");
        }
    }

    private static void comparator(String cmp, Set<String> allowed, String what) {
        if (!allowed.contains(cmp)) {
            throw MlflowException.invalidParameter("Invalid comparator '" + cmp + "' not one of '" + sorted(allowed)
                    + "' for " + what);
        }
    }

    private static List<String> sorted(Set<String> s) {
        List<String> l = new ArrayList<>(s);
        l.sort(null);
        return l;
    }

    /**
     * Appends one validated clause; comparators come from a fixed set, values are bound. {@code walked}: alias of
     * the table whose rows the query walks in the search order (its run_key is the run's, V55); {@code exps}: the
     * searched experiments; {@code hashed}: an equality on a param/tag tested as a hashed set.
     */
    private static void appendClause(Sql sql, Clause cl, String walked, Long[] exps, boolean hashed) {
        String cmp = cl.comparator();
        Value v = cl.value();
        if (cl.isNullCheck()) {
            // a run "has" a param/tag when a row with that key exists (upstream: EXISTS on the key alone)
            String table = cl.type().equals(FilterParser.PARAM) ? "params" : "tags";
            sql.append((cmp.equals(Clause.IS_NULL) ? "NOT " : "") + "EXISTS (SELECT 1 FROM " + table
                    + " x WHERE x.run_uuid = r.run_uuid AND x.key = ?)", cl.key());
            return;
        }
        switch (cl.type()) {
            case FilterParser.METRIC -> {
                if (walked.equals("r")) {
                    sql.append("EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_key = r.run_key "
                            + "AND m.key = ? AND m.value " + cmp + " ?)", cl.key(), v.number());
                } else {
                    // walking the order metric's index: probe each walked row that passed the cheaper filters
                    // before its run is looked up (OFFSET 0 keeps the probe from being pulled up into a join, which
                    // PostgreSQL placed after the run look-up, or into a hash of every run passing the filter)
                    sql.append("EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_key = " + walked + ".run_key "
                            + "AND m.key = ? AND m.value " + cmp + " ? OFFSET 0)", cl.key(), v.number());
                }
            }
            case FilterParser.PARAM, FilterParser.TAG -> {
                String table = cl.type().equals(FilterParser.PARAM) ? "params" : "tags";
                if (cmp.equals("=")) {
                    // The (experiment_id, key, value_prefix, run_key) index (V52, V55) answers equality through the
                    // prefix; a value shorter than the prefix equals a stored one exactly when their prefixes are
                    // equal, so then the index alone answers (index-only scans).
                    String text = v.text();
                    boolean longValue = text.codePointCount(0, text.length()) >= VALUE_PREFIX_INDEXED;
                    if (hashed) {
                        // a common value: the runs of the searched experiments that have it, read once from one
                        // index range into a hash, tested against every run the search walks (a filter on the
                        // walked rows, which a pulled-up semi-join would not be: "IS TRUE" keeps it a hashed
                        // subplan). Without a per-run probe beside it, planning stays cheap.
                        sql.append("(" + walked + ".run_key IN (SELECT h.run_key FROM " + table + " h WHERE ");
                        if (exps.length == 1) {
                            sql.append("h.experiment_id = ?", exps[0]);
                        } else {
                            sql.append("h.experiment_id = ANY(?)", (Object) exps);
                        }
                        sql.append(" AND h.key = ? AND h.value_prefix = ?", cl.key(), prefix(text));
                        if (longValue) {
                            sql.append(" AND h.value = ?", text);
                        }
                        sql.append(")) IS TRUE");
                    } else {
                        // a rare value: a per-run probe, so that PostgreSQL can start from its few runs
                        sql.append("EXISTS (SELECT 1 FROM " + table + " p WHERE p.experiment_id = r.experiment_id "
                                + "AND p.key = ? AND p.value_prefix = ? AND p.run_key = r.run_key", cl.key(), prefix(text));
                        if (longValue) {
                            sql.append(" AND p.value = ?", text);
                        }
                        sql.append(")");
                    }
                } else {
                    sql.append("EXISTS (SELECT 1 FROM " + table + " p WHERE p.run_uuid = r.run_uuid AND p.key = ?", cl.key());
                    sql.append(" AND p.value " + cmp + " ?)", v.text());
                }
            }
            case FilterParser.ATTRIBUTE -> {
                String key = attributeKey(cl.key());
                String numericColumn = NUMERIC_ATTRIBUTES.get(key);
                if (numericColumn != null) {
                    sql.append(numericColumn + " " + cmp + " ?", v.number());
                } else {
                    String column = STRING_ATTRIBUTES.get(key);
                    if (v.kind() == Value.Kind.LIST) {
                        sql.append((cmp.equals("IN") ? "" : "NOT ") + column + " = ANY(?)", (Object) v.list().toArray(new String[0]));
                    } else {
                        sql.append(column + " " + cmp + " ?", v.text());
                    }
                }
            }
            case FilterParser.DATASET -> {
                sql.append("EXISTS (SELECT 1 FROM run_dataset_inputs di JOIN datasets d ON d.dataset_uuid = di.dataset_uuid ");
                String column;
                if (cl.key().equals("context")) {
                    sql.append("JOIN run_dataset_input_tags dt ON dt.run_uuid = di.run_uuid AND dt.dataset_uuid = di.dataset_uuid "
                            + "AND dt.key = 'mlflow.data.context' ");
                    column = "dt.value";
                } else {
                    column = cl.key().equals("name") ? "d.name" : "d.digest";
                }
                sql.append("WHERE di.run_uuid = r.run_uuid AND ");
                if (v.kind() == Value.Kind.LIST) {
                    sql.append((cmp.equals("IN") ? "" : "NOT ") + column + " = ANY(?))", (Object) v.list().toArray(new String[0]));
                } else {
                    sql.append(column + " " + cmp + " ?)", v.text());
                }
            }
            default -> throw MlflowException.invalidParameter("Invalid entity type '" + cl.type() + "'");
        }
    }

    /**
     * Order terms: NULLs (runs without the metric/param/tag) last, and for metrics NaN after numbers,
     * whatever the direction; ties broken by start_time DESC then run id.
     */
    static void orderClauses(List<String> orderBy, Sql joins, List<String> parts) {
        orderClauses(orderBy, joins, parts, 0);
    }

    /** {@code firstAlias}: number of the first join alias (om0/ok0...), so that segments can add their own. */
    static void orderClauses(List<String> orderBy, Sql joins, List<String> parts, int firstAlias) {
        Set<String> seen = new HashSet<>();
        int n = firstAlias;
        for (String item : orderBy) {
            OrderTerm t = FilterParser.parseOrderBy(item);
            String dir = t.ascending() ? " ASC" : " DESC";
            String identity;
            switch (t.type()) {
                case FilterParser.ATTRIBUTE -> {
                    String key = attributeKey(t.key());
                    String column = NUMERIC_ATTRIBUTES.containsKey(key) ? NUMERIC_ATTRIBUTES.get(key) : STRING_ATTRIBUTES.get(key);
                    if (column == null || key.equals("lifecycle_stage")) {
                        throw MlflowException.invalidParameter("Invalid attribute key '" + t.key() + "' specified. Valid keys are "
                                + "'['run_id', 'run_name', 'user_id', 'status', 'artifact_uri', 'start_time', 'end_time', 'created']'");
                    }
                    identity = "attribute." + key;
                    parts.add("(" + column + " IS NULL)");
                    parts.add(column + dir);
                }
                case FilterParser.METRIC -> {
                    String a = "om" + n++;
                    joins.append(" LEFT JOIN latest_metrics " + a + " ON " + a + ".run_key = r.run_key AND " + a + ".key = ?", t.key());
                    identity = "metric." + t.key();
                    parts.add("(CASE WHEN " + a + ".value IS NULL THEN 2 WHEN " + a + ".value = 'NaN'::float8 THEN 1 ELSE 0 END)");
                    parts.add(a + ".value" + dir);
                }
                case FilterParser.PARAM, FilterParser.TAG -> {
                    String a = "ok" + n++;
                    String table = t.type().equals(FilterParser.PARAM) ? "params" : "tags";
                    joins.append(" LEFT JOIN " + table + " " + a + " ON " + a + ".run_uuid = r.run_uuid AND " + a + ".key = ?", t.key());
                    identity = t.type() + "." + t.key();
                    parts.add("(" + a + ".value IS NULL)");
                    parts.add(a + ".value" + dir);
                }
                default -> throw MlflowException.invalidParameter("Invalid order_by entity type '" + t.type() + "' in '" + item + "'");
            }
            if (!seen.add(identity)) {
                throw MlflowException.invalidParameter("`order_by` contains duplicate fields: " + orderBy);
            }
        }
        if (!seen.contains("attribute.start_time")) {
            parts.add("r.start_time DESC NULLS LAST");
        }
        if (!seen.contains("attribute.run_id")) {
            parts.add("r.run_uuid ASC");
        }
    }
}
