package dev.dmsmlflow.tracking.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.search.FilterParser;
import dev.dmsmlflow.tracking.search.FilterParser.Clause;
import dev.dmsmlflow.tracking.search.FilterParser.OrderTerm;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * runs/search against a reference: the plainest SQL for the documented semantics (one query over the normalized
 * tables: EXISTS per clause on params, tags, latest_metrics and datasets, LEFT JOIN per order term, runs without
 * the value last and for metrics NaN after numbers in either direction, ties by start_time DESC then run id),
 * built here from the same parsed filter. Whatever the server does to be fast (segments per metric order, hashed
 * equality sets, run_docs) must answer the same runs in the same order, page by page, for every filter and order
 * form below, on data with missing, NaN and infinite metrics, long values sharing their indexed prefix, null
 * tags, deleted runs, datasets and two experiments.
 */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunSearchSemanticsTest {
    static final Map<String, String> STRING_ATTRIBUTES = Map.of(
            "run_id", "r.run_uuid", "run_name", "r.name", "user_id", "r.user_id", "status", "r.status",
            "artifact_uri", "r.artifact_uri", "lifecycle_stage", "r.lifecycle_stage");
    static final Map<String, String> NUMERIC_ATTRIBUTES = Map.of("start_time", "r.start_time", "end_time", "r.end_time");
    static final Map<String, String> ALIASES = Map.of("created", "start_time", "Created", "start_time", "run name", "run_name",
            "Run name", "run_name", "Run Name", "run_name", "run_uuid", "run_id");
    static final String LONG = "x".repeat(256);

    @TestHTTPResource("/")
    URL root;
    @Inject
    AgroalDataSource dataSource;
    Api api;
    String expA;
    String expB;
    final List<String> ids = new ArrayList<>();
    final long t0 = 1_700_000_000_000L;

    @BeforeAll
    void data() {
        api = new Api(root.toString());
        expA = experiment();
        expB = experiment();
        for (int i = 0; i < 40; i++) {
            String exp = i < 30 ? expA : expB;
            Resp r = api.post("runs/create", obj("experiment_id", exp, "run_name", "r" + (i % 25), "user_id", "u" + (i % 3),
                    "start_time", t0 + (i % 7)));
            assertEquals(200, r.status(), r.toString());
            String id = r.json().at("/run/info/run_id").asText();
            ids.add(id);
            List<Map<String, Object>> metrics = new ArrayList<>();
            if (i % 5 != 0) {
                Object acc = i % 7 == 3 ? "NaN" : i % 11 == 4 ? "Infinity" : i % 13 == 6 ? "-Infinity" : (i * 37 % 17) / 4.0;
                metrics.add(Map.of("key", "acc", "value", acc, "timestamp", 1, "step", 1));
                metrics.add(Map.of("key", "acc", "value", 99.0, "timestamp", 2, "step", 0)); // older step: not the latest
            }
            if (i % 3 != 0) {
                metrics.add(Map.of("key", "loss", "value", i * 0.1, "timestamp", 1, "step", 0));
            }
            if (i % 5 == 1) {
                metrics.add(Map.of("key", "eval", "value", i / 8.0, "timestamp", 3, "step", 2, "model_id", "m-" + i,
                        "dataset_name", "iris", "dataset_digest", "d" + (i % 3)));
            }
            List<Map<String, Object>> params = new ArrayList<>(List.of(
                    Map.of("key", "model", "value", List.of("tree", "linear", "svm").get(i % 3)),
                    Map.of("key", "lr", "value", String.valueOf((i % 4) / 100.0))));
            if (i % 4 == 1) {
                params.add(Map.of("key", "long", "value", LONG + (i % 8 == 1 ? "a" : "b")));
            } else if (i % 4 == 2) {
                params.add(Map.of("key", "long", "value", LONG));
            }
            if (i % 6 == 0) {
                params.add(Map.of("key", "ünï", "value", "çødé-" + (i % 4)));
            }
            List<Map<String, Object>> tags = new ArrayList<>();
            if (i % 4 != 3) {
                tags.add(Map.of("key", "team", "value", i % 2 == 0 ? "a" : "b"));
            }
            tags.add(Map.of("key", "note", "value", List.of("alpha-1", "Beta_2", "gamma%3", "").get(i % 4)));
            assertEquals(200, api.post("runs/log-batch", obj("run_id", id, "metrics", metrics, "params", params, "tags", tags)).status());
            if (i % 8 == 5) {
                assertEquals(200, api.post("runs/update", obj("run_id", id, "status", "FINISHED", "end_time", t0 + 1000 + i)).status());
            }
            if (i % 10 == 2 || i % 10 == 7) {
                Resp in = api.post("runs/log-inputs", obj("run_id", id, "datasets", List.of(Map.of(
                        "tags", List.of(Map.of("key", "mlflow.data.context", "value", i % 10 == 2 ? "training" : "eval")),
                        "dataset", Map.of("name", i % 20 < 10 ? "iris" : "wine", "digest", "d" + (i % 3), "source_type", "local",
                                "source", "{}"))), "models", List.of(Map.of("model_id", "m-in-" + i), Map.of("model_id", "m-in-0"))));
                assertEquals(200, in.status(), in.toString());
            }
            if (i % 6 == 1) {
                assertEquals(200, api.post("runs/outputs", obj("run_id", id, "models", List.of(Map.of("model_id", "m-out-" + i, "step", i),
                        Map.of("model_id", "m-out-a", "step", 0)))).status());
            }
            if (i % 9 == 8) {
                assertEquals(200, api.post("runs/delete", obj("run_id", id)).status());
            }
        }
    }

    private String experiment() {
        Resp r = api.post("experiments/create", obj("name", "semantics-" + UUID.randomUUID()));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("experiment_id").asText();
    }

    List<String> filters() {
        return List.of("", "metrics.acc > 1", "metrics.acc >= 2.5", "metrics.acc < 3", "metrics.acc != 2", "metrics.acc = 2",
                "metrics.loss <= 1.5", "metrics.acc > -1e308",
                "params.model = 'tree'", "params.model != 'tree'", "params.model LIKE 'li%'", "params.model ILIKE 'T%'",
                "params.lr = '0.01'", "params.long = '" + LONG + "a'", "params.long = '" + LONG + "'", "params.long LIKE 'xxx%b'",
                "params.`ünï` = 'çødé-0'", "params.model IS NULL", "params.long IS NOT NULL", "params.absent = 'x'",
                "tags.team = 'a'", "tags.team != 'a'", "tags.team IS NULL", "tags.team IS NOT NULL", "tags.note LIKE 'B%'",
                "tags.note ILIKE 'b%'", "tags.note = ''", "tags.\"mlflow.runName\" = 'r3'",
                "attributes.run_name = 'r3'", "run_name LIKE 'r1%'", "attributes.status = 'FINISHED'", "attributes.user_id != 'u1'",
                "attributes.start_time > " + (t0 + 3), "created <= " + (t0 + 2), "attributes.end_time > 0",
                "attributes.run_id IN ('" + ids.get(1) + "', '" + ids.get(2) + "', '" + ids.get(33) + "')",
                "attributes.run_id NOT IN ('" + ids.get(1) + "')",
                "datasets.name = 'iris'", "datasets.context = 'training'", "datasets.name IN ('iris', 'wine')", "datasets.digest != 'd1'",
                "metrics.acc > 0.5 and params.model = 'tree'", "params.model = 'tree' and tags.team = 'a'",
                "params.model = 'linear' and params.lr = '0.01' and tags.team != 'b'",
                "metrics.acc > 1 and tags.team IS NOT NULL and params.lr != '0.02'",
                "metrics.loss > 0.5 and params.model = 'svm' and metrics.acc < 4", "params.long = '" + LONG + "' and tags.team = 'b'");
    }

    static List<List<String>> orders() {
        return List.of(List.of(), List.of("metrics.acc DESC"), List.of("metrics.acc ASC"), List.of("metrics.acc"),
                List.of("metrics.loss DESC", "params.model ASC"), List.of("params.model DESC"),
                List.of("tags.team ASC", "metrics.acc DESC"), List.of("attributes.start_time ASC"),
                List.of("attributes.run_name DESC"), List.of("metrics.acc DESC", "attributes.start_time ASC"),
                List.of("attributes.run_id"), List.of("metrics.absent DESC"), List.of("params.long ASC"));
    }

    /** All pages of a search through the API. */
    private List<String> search(List<String> exps, String filter, String view, List<String> order, int pageSize) {
        List<String> out = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            var body = obj("experiment_ids", exps, "filter", filter, "run_view_type", view, "order_by", order, "max_results", pageSize);
            if (token != null) {
                body.put("page_token", token);
            }
            Resp r = api.post("runs/search", body);
            assertEquals(200, r.status(), r + " for " + body);
            if (r.json().has("runs")) {
                for (JsonNode run : r.json().get("runs")) {
                    out.add(run.at("/info/run_id").asText());
                }
            }
            token = r.json().has("next_page_token") ? r.json().get("next_page_token").asText() : null;
            assertTrue(++pages < 100);
        } while (token != null);
        return out;
    }

    @Test
    void everyFilterAndOrderAnswersAsTheReference() throws Exception {
        int cases = 0;
        try (Connection c = dataSource.getConnection()) {
            for (List<String> exps : List.of(List.of(expA), List.of(expA, expB))) {
                for (String filter : filters()) {
                    for (List<String> order : orders()) {
                        List<String> expected = reference(c, exps, filter, "ACTIVE_ONLY", order);
                        assertEquals(expected, search(exps, filter, "ACTIVE_ONLY", order, 1000), filter + " " + order + " " + exps);
                        cases++;
                    }
                }
            }
            // pages of 3 cross the number / NaN / missing segments of metric orders and every view
            List<String> paged = List.of("", "metrics.acc > 0.5 and params.model = 'tree'", "tags.team = 'a'", "params.model != 'svm'",
                    "params.long = '" + LONG + "'", "datasets.name = 'iris'");
            for (String view : List.of("ACTIVE_ONLY", "DELETED_ONLY", "ALL")) {
                for (String filter : paged) {
                    for (List<String> order : orders()) {
                        List<String> both = List.of(expA, expB);
                        assertEquals(reference(c, both, filter, view, order), search(both, filter, view, order, 3),
                                filter + " " + order + " " + view);
                        cases++;
                    }
                }
            }
        }
        assertTrue(cases > 1000, "cases: " + cases);
    }

    @Test
    void searchPagesCarryTheSameDataAsRunsGet() {
        Resp r = api.post("runs/search", obj("experiment_ids", List.of(expA, expB), "run_view_type", "ALL", "max_results", 1000));
        assertEquals(200, r.status());
        Map<String, JsonNode> byId = new HashMap<>();
        r.json().get("runs").forEach(run -> byId.put(run.at("/info/run_id").asText(), run));
        assertEquals(ids.size(), byId.size());
        Map<String, JsonNode> fromGet = new HashMap<>();
        for (String id : ids) {
            JsonNode got = api.get("runs/get", Map.of("run_id", id)).json().get("run");
            assertEquals(got, byId.get(id), id);
            fromGet.put(id, got);
        }
        // the data came through: metrics with their model and dataset, inputs, outputs
        JsonNode eval = null;
        for (JsonNode m : fromGet.get(ids.get(1)).at("/data/metrics")) {
            eval = m.get("key").asText().equals("eval") ? m : eval;
        }
        assertTrue(eval != null, fromGet.get(ids.get(1)).toString());
        assertEquals("m-1", eval.get("model_id").asText(), eval.toString());
        assertEquals("iris", eval.get("dataset_name").asText(), eval.toString());
        assertEquals(0.125, eval.get("value").asDouble(), eval.toString());
        assertEquals(2, fromGet.get(ids.get(2)).at("/inputs/model_inputs").size(), fromGet.get(ids.get(2)).toString());
        assertEquals(2, fromGet.get(ids.get(7)).at("/outputs/model_outputs").size(), fromGet.get(ids.get(7)).toString());
        // pages of a metric order (the number / NaN / missing segments, each page read with its fill in one statement)
        // carry the same data, in every view
        for (String view : List.of("ACTIVE_ONLY", "ALL")) {
            String token = null;
            int seen = 0;
            do {
                var body = obj("experiment_ids", List.of(expA, expB), "run_view_type", view, "order_by", List.of("metrics.acc DESC"),
                        "max_results", 4, "filter", "params.model != 'x'");
                if (token != null) {
                    body.put("page_token", token);
                }
                Resp page = api.post("runs/search", body);
                assertEquals(200, page.status(), page.toString());
                for (JsonNode run : page.json().get("runs")) {
                    assertEquals(fromGet.get(run.at("/info/run_id").asText()), run);
                    seen++;
                }
                token = page.json().has("next_page_token") ? page.json().get("next_page_token").asText() : null;
            } while (token != null);
            assertEquals(view.equals("ALL") ? ids.size() : ids.size() - 4, seen, view);
        }
    }

    // ------------------------------------------------------------------ the reference

    private List<String> reference(Connection c, List<String> exps, String filter, String view, List<String> orderBy) throws Exception {
        StringBuilder joins = new StringBuilder();
        List<Object> joinBinds = new ArrayList<>();
        List<String> order = new ArrayList<>();
        boolean startTime = false;
        boolean runId = false;
        int n = 0;
        for (String item : orderBy) {
            OrderTerm t = FilterParser.parseOrderBy(item);
            String dir = t.ascending() ? " ASC" : " DESC";
            switch (t.type()) {
                case FilterParser.ATTRIBUTE -> {
                    String key = ALIASES.getOrDefault(t.key(), t.key());
                    String column = NUMERIC_ATTRIBUTES.getOrDefault(key, STRING_ATTRIBUTES.get(key));
                    startTime |= key.equals("start_time");
                    runId |= key.equals("run_id");
                    order.add("(" + column + " IS NULL)");
                    order.add(column + dir);
                }
                case FilterParser.METRIC -> {
                    String a = "om" + n++;
                    joins.append(" LEFT JOIN latest_metrics ").append(a).append(" ON ").append(a).append(".run_uuid = r.run_uuid AND ")
                            .append(a).append(".key = ?");
                    joinBinds.add(t.key());
                    order.add("(CASE WHEN " + a + ".value IS NULL THEN 2 WHEN " + a + ".value = 'NaN'::float8 THEN 1 ELSE 0 END)");
                    order.add(a + ".value" + dir);
                }
                default -> {
                    String a = "ok" + n++;
                    joins.append(" LEFT JOIN ").append(t.type().equals(FilterParser.PARAM) ? "params " : "tags ").append(a)
                            .append(" ON ").append(a).append(".run_uuid = r.run_uuid AND ").append(a).append(".key = ?");
                    joinBinds.add(t.key());
                    order.add("(" + a + ".value IS NULL)");
                    order.add(a + ".value" + dir);
                }
            }
        }
        if (!startTime) {
            order.add("r.start_time DESC NULLS LAST");
        }
        if (!runId) {
            order.add("r.run_uuid ASC");
        }
        StringBuilder where = new StringBuilder(" WHERE r.experiment_id = ANY(?) AND ")
                .append(view.equals("ALL") ? "TRUE" : "r.lifecycle_stage = '" + (view.equals("ACTIVE_ONLY") ? "active" : "deleted") + "'");
        List<Object> whereBinds = new ArrayList<>();
        whereBinds.add(exps.stream().map(Long::valueOf).toArray(Long[]::new));
        for (Clause cl : FilterParser.parseFilter(filter)) {
            where.append(" AND ");
            clause(cl, where, whereBinds);
        }
        String sql = "SELECT r.run_uuid FROM runs r" + joins + where + " ORDER BY " + String.join(", ", order);
        List<Object> binds = new ArrayList<>(joinBinds);
        binds.addAll(whereBinds);
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < binds.size(); i++) {
                Object b = binds.get(i);
                if (b instanceof Long[] arr) {
                    ps.setArray(i + 1, c.createArrayOf("bigint", arr));
                } else if (b instanceof String[] arr) {
                    ps.setArray(i + 1, c.createArrayOf("text", arr));
                } else {
                    ps.setObject(i + 1, b);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void clause(Clause cl, StringBuilder sql, List<Object> binds) {
        String cmp = cl.comparator();
        if (cl.isNullCheck()) {
            sql.append(cmp.equals(Clause.IS_NULL) ? "NOT " : "").append("EXISTS (SELECT 1 FROM ")
                    .append(cl.type().equals(FilterParser.PARAM) ? "params" : "tags").append(" x WHERE x.run_uuid = r.run_uuid AND x.key = ?)");
            binds.add(cl.key());
            return;
        }
        switch (cl.type()) {
            case FilterParser.METRIC -> {
                sql.append("EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid AND m.key = ? AND m.value ")
                        .append(cmp).append(" ?)");
                binds.add(cl.key());
                binds.add(cl.value().number());
            }
            case FilterParser.PARAM, FilterParser.TAG -> {
                sql.append("EXISTS (SELECT 1 FROM ").append(cl.type().equals(FilterParser.PARAM) ? "params" : "tags")
                        .append(" p WHERE p.run_uuid = r.run_uuid AND p.key = ? AND p.value ").append(cmp).append(" ?)");
                binds.add(cl.key());
                binds.add(cl.value().text());
            }
            case FilterParser.ATTRIBUTE -> {
                String key = ALIASES.getOrDefault(cl.key(), cl.key());
                if (NUMERIC_ATTRIBUTES.containsKey(key)) {
                    sql.append(NUMERIC_ATTRIBUTES.get(key)).append(' ').append(cmp).append(" ?");
                    binds.add(cl.value().number());
                } else if (cl.value().kind() == FilterParser.Value.Kind.LIST) {
                    sql.append(cmp.equals("IN") ? "" : "NOT ").append(STRING_ATTRIBUTES.get(key)).append(" = ANY(?)");
                    binds.add(cl.value().list().toArray(new String[0]));
                } else {
                    sql.append(STRING_ATTRIBUTES.get(key)).append(' ').append(cmp).append(" ?");
                    binds.add(cl.value().text());
                }
            }
            default -> {
                String column = switch (cl.key()) {
                    case "name" -> "d.name";
                    case "digest" -> "d.digest";
                    default -> "dt.value";
                };
                sql.append("EXISTS (SELECT 1 FROM run_dataset_inputs di JOIN datasets d ON d.dataset_uuid = di.dataset_uuid "
                        + "LEFT JOIN run_dataset_input_tags dt ON dt.run_uuid = di.run_uuid AND dt.dataset_uuid = di.dataset_uuid "
                        + "AND dt.key = 'mlflow.data.context' WHERE di.run_uuid = r.run_uuid AND ");
                if (cl.value().kind() == FilterParser.Value.Kind.LIST) {
                    sql.append(cmp.equals("IN") ? "" : "NOT ").append(column).append(" = ANY(?))");
                    binds.add(cl.value().list().toArray(new String[0]));
                } else {
                    sql.append(column).append(' ').append(cmp).append(" ?)");
                    binds.add(cl.value().text());
                }
            }
        }
    }
}
