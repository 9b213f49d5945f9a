package dev.dmsmlflow.tracking.runs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.support.Api;
import dev.dmsmlflow.tracking.support.Api.Resp;
import dev.dmsmlflow.tracking.support.TrackingDatabase;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.dmsmlflow.tracking.support.Api.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * run_docs (V50) holds each run's params and tags as derived data for reads; params and tags keep the truth.
 * These tests check the invariant "run_docs equals what params and tags hold, for every run" after every kind of
 * writer: each API write path, concurrent API writers on one run, interleaved transactions that wait on each
 * other, SQL writers that know nothing of run_docs, and deletes; that params and tags carry their run's
 * experiment (V52) whoever wrote them; and that params, tags and latest metrics carry their run's run_key (V55).
 */
@QuarkusTest
@QuarkusTestResource(value = TrackingDatabase.class, restrictToAnnotatedClass = true)
class RunDocsTest {
    /** Runs whose doc differs from their params/tags, docs without a run, params/tags with another experiment. */
    static final String BROKEN = "SELECT 'doc ' || r.run_uuid FROM runs r LEFT JOIN run_docs d ON d.run_uuid = r.run_uuid "
            + "WHERE COALESCE(d.params, '{}') <> COALESCE((SELECT jsonb_object_agg(p.key, p.value) FROM params p "
            + "  WHERE p.run_uuid = r.run_uuid), '{}') "
            + "OR COALESCE(d.tags, '{}') <> COALESCE((SELECT jsonb_object_agg(t.key, t.value) FROM tags t "
            + "  WHERE t.run_uuid = r.run_uuid), '{}') "
            // V53: the answer's JSON arrays, rebuilt here another way (jsonb arrays compare element by element, in order)
            + "OR COALESCE(d.params_json::jsonb, '[]') <> COALESCE((SELECT jsonb_agg(jsonb_build_object('key', p.key, "
            + "  'value', p.value) ORDER BY p.key COLLATE \"C\") FROM params p WHERE p.run_uuid = r.run_uuid), '[]') "
            + "OR COALESCE(d.tags_json::jsonb, '[]') <> COALESCE((SELECT jsonb_agg(CASE WHEN t.value IS NULL "
            + "  THEN jsonb_build_object('key', t.key) ELSE jsonb_build_object('key', t.key, 'value', t.value) END "
            + "  ORDER BY t.key COLLATE \"C\") FROM tags t WHERE t.run_uuid = r.run_uuid), '[]') "
            + "UNION ALL SELECT 'orphan ' || d.run_uuid FROM run_docs d WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_uuid = d.run_uuid) "
            + "UNION ALL SELECT 'param experiment ' || p.run_uuid FROM params p JOIN runs r ON r.run_uuid = p.run_uuid "
            + "WHERE p.experiment_id <> r.experiment_id "
            + "UNION ALL SELECT 'tag experiment ' || t.run_uuid FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid "
            + "WHERE t.experiment_id <> r.experiment_id "
            // V55: every row the search reads by run_key carries its own run's key (and latest metrics their experiment)
            + "UNION ALL SELECT 'param run key ' || p.run_uuid FROM params p LEFT JOIN runs r ON r.run_uuid = p.run_uuid "
            + "WHERE p.run_key IS DISTINCT FROM r.run_key "
            + "UNION ALL SELECT 'tag run key ' || t.run_uuid FROM tags t LEFT JOIN runs r ON r.run_uuid = t.run_uuid "
            + "WHERE t.run_key IS DISTINCT FROM r.run_key "
            + "UNION ALL SELECT 'metric run key ' || l.run_uuid FROM latest_metrics l LEFT JOIN runs r ON r.run_uuid = l.run_uuid "
            + "WHERE l.run_key IS DISTINCT FROM r.run_key OR l.experiment_id IS DISTINCT FROM r.experiment_id "
            + "UNION ALL SELECT 'shared run key ' || r.run_key FROM runs r WHERE r.run_key IS NULL "
            + "OR EXISTS (SELECT 1 FROM runs o WHERE o.run_key = r.run_key AND o.run_uuid <> r.run_uuid)";

    @TestHTTPResource("/")
    URL root;
    @Inject
    AgroalDataSource dataSource;
    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(root.toString());
    }

    private String experiment() {
        Resp r = api.post("experiments/create", obj("name", "docs-" + UUID.randomUUID()));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("experiment_id").asText();
    }

    private String run(String exp, Object... extra) {
        Object[] kv = new Object[extra.length + 2];
        kv[0] = "experiment_id";
        kv[1] = exp;
        System.arraycopy(extra, 0, kv, 2, extra.length);
        Resp r = api.post("runs/create", obj(kv));
        assertEquals(200, r.status(), r.toString());
        return r.json().at("/run/info/run_id").asText();
    }

    private void ok(Resp r) {
        assertEquals(200, r.status(), r.toString());
    }

    private List<String> broken() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(BROKEN)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The run's params or tags as runs/get answers them, in answer order. */
    private Map<String, String> fromGet(String runId, String field) {
        Resp r = api.get("runs/get", Map.of("run_id", runId));
        ok(r);
        Map<String, String> out = new TreeMap<>();
        List<String> order = new ArrayList<>();
        for (JsonNode kv : r.json().at("/run/data/" + field)) {
            out.put(kv.get("key").asText(), kv.has("value") ? kv.get("value").asText() : null);
            order.add(kv.get("key").asText());
        }
        assertEquals(order.stream().sorted().toList(), order, field + " are listed by key");
        return out;
    }

    @Test
    void everyApiWritePathKeepsTheDoc() throws Exception {
        String exp = experiment();
        String id = run(exp, "run_name", "first", "tags", List.of(Map.of("key", "t.created", "value", "c")));
        ok(api.post("runs/log-parameter", obj("run_id", id, "key", "lr", "value", "0.1")));
        ok(api.post("runs/log-parameter", obj("run_id", id, "key", "lr", "value", "0.1"))); // same value: no-op
        assertEquals(400, api.post("runs/log-parameter", obj("run_id", id, "key", "lr", "value", "0.2")).status());
        ok(api.post("runs/log-batch", obj("run_id", id,
                "params", List.of(Map.of("key", "depth", "value", "3"), Map.of("key", "ünïcode key", "value", "\"quoted\" \\ 𝔘 ✓")),
                "tags", List.of(Map.of("key", "team", "value", "a"), Map.of("key", "gone", "value", "soon")))));
        ok(api.post("runs/set-tag", obj("run_id", id, "key", "team", "value", "b")));
        ok(api.post("runs/delete-tag", obj("run_id", id, "key", "gone")));
        ok(api.post("runs/update", obj("run_id", id, "run_name", "second")));
        ok(api.post("runs/log-batch", obj("run_id", id, "metrics", List.of(Map.of("key", "m", "value", 1, "timestamp", 1, "step", 0)))));
        ok(api.post("runs/log-metric", obj("run_id", id, "key", "single", "value", 2, "timestamp", 2, "step", 0)));
        ok(api.post("runs/log-metric", obj("run_id", id, "key", "m", "value", 3, "timestamp", 3, "step", 1)));
        // a second run in the same experiment, so that a key taken from the wrong run would show
        String other = run(exp, "run_name", "other");
        ok(api.post("runs/log-batch", obj("run_id", other, "metrics", List.of(Map.of("key", "m", "value", 9, "timestamp", 1, "step", 0)),
                "params", List.of(Map.of("key", "lr", "value", "0.9")))));

        assertEquals(List.of(), broken());
        assertEquals(Map.of("lr", "0.1", "depth", "3", "ünïcode key", "\"quoted\" \\ 𝔘 ✓"), fromGet(id, "params"));
        assertEquals(Map.of("t.created", "c", "team", "b", "mlflow.runName", "second"), fromGet(id, "tags"));

        // a deleted (and restored) run keeps its doc; search shows the same data as runs/get
        ok(api.post("runs/delete", obj("run_id", id)));
        Resp deleted = api.post("runs/search", obj("experiment_ids", List.of(exp), "run_view_type", "DELETED_ONLY"));
        ok(deleted);
        assertEquals(3, deleted.json().at("/runs/0/data/tags").size(), deleted.toString());
        ok(api.post("runs/restore", obj("run_id", id)));
        assertEquals(List.of(), broken());
    }

    @Test
    void concurrentApiWritersOnOneRunLoseNothing() throws Exception {
        String exp = experiment();
        String id = run(exp);
        int writers = 6;
        int rounds = 15;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int me = w;
                done.add(pool.submit((Callable<Void>) () -> {
                    for (int i = 0; i < rounds; i++) {
                        ok(api.post("runs/set-tag", obj("run_id", id, "key", "w" + me + ".t" + i, "value", "v" + i)));
                        ok(api.post("runs/set-tag", obj("run_id", id, "key", "shared", "value", "w" + me)));
                        ok(api.post("runs/log-batch", obj("run_id", id,
                                "params", List.of(Map.of("key", "w" + me + ".p" + i, "value", "x")),
                                "tags", List.of(Map.of("key", "w" + me + ".b" + i, "value", "y"), Map.of("key", "shared", "value", "b" + me)))));
                        if (i % 3 == 0) {
                            ok(api.post("runs/delete-tag", obj("run_id", id, "key", "w" + me + ".t" + i)));
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), broken());
        Map<String, String> tags = fromGet(id, "tags");
        Map<String, String> params = fromGet(id, "params");
        assertEquals(writers * rounds, params.size());
        // per writer: rounds batch tags + rounds set tags - deleted ones (i % 3 == 0); plus shared and runName
        int deletedPerWriter = (rounds + 2) / 3;
        assertEquals(writers * (2 * rounds - deletedPerWriter) + 2, tags.size(), tags.toString());
    }

    /** Waits (polling pg_locks, no sleeps) until the backend {@code pid} waits for a lock. */
    private void awaitBlocked(int pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_locks WHERE pid = ? AND NOT granted")) {
            ps.setInt(1, pid);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("backend " + pid + " never waited for a lock");
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void exec(Connection c, String sql, Object... binds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < binds.length; i++) {
                ps.setObject(i + 1, binds[i]);
            }
            ps.execute();
        }
    }

    /**
     * The second of two overlapping transactions waits for the first (the doc row is locked by the first's
     * trigger) and must apply its change to the first's committed doc, not to the one it saw when it started.
     */
    private void interleave(String first, String second, String id) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection a = dataSource.getConnection(); Connection b = dataSource.getConnection()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            exec(a, first, id);
            int pidB = pid(b);
            Future<Void> secondDone = pool.submit(() -> {
                exec(b, second, id);
                b.commit();
                return null;
            });
            awaitBlocked(pidB);
            a.commit();
            secondDone.get(60, TimeUnit.SECONDS);
            a.setAutoCommit(true);
            b.setAutoCommit(true);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The params and tags arrays are written into answers as the database encoded them (V53): whatever the characters
     * (quotes, backslashes, control characters, non-ASCII, characters beyond the BMP), runs/get, runs/search and
     * GraphQL decode to exactly what was logged, listed in code point order (not UTF-16 order), a NULL tag value
     * without a "value".
     */
    @Test
    void storedJsonDecodesToWhatWasLoggedInCodePointOrder() throws Exception {
        String exp = experiment();
        String id = run(exp);
        // U+FF21 sorts before U+1D518 by code point, after it by UTF-16 unit (0xD835)
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("\uD835\uDD18 key", "beyond the BMP \uD83D\uDE00");
        params.put("\uFF21 key", "fullwidth");
        params.put("b", "line\nbreak\ttab \u0001\u001f\u007f end");
        params.put("a-key", "</script> \\\" \u00e9");
        params.put("empty", "");
        List<Map<String, String>> logged = new ArrayList<>();
        params.forEach((k, v) -> logged.add(Map.of("key", k, "value", v)));
        ok(api.post("runs/log-batch", obj("run_id", id, "params", logged)));
        // keys the API refuses, written by SQL: escaping in keys too
        String oddKey = "q \"\\ \u0001\u2028";
        try (Connection c = dataSource.getConnection()) {
            exec(c, "INSERT INTO tags (run_uuid, key, value) VALUES (?, 'no value', NULL), (?, ?, ?)", id, id, oddKey, "\u2029\n");
        }
        assertEquals(List.of(), broken());
        List<String> keyOrder = List.of("a-key", "b", "empty", "\uFF21 key", "\uD835\uDD18 key");

        Resp get = api.get("runs/get", Map.of("run_id", id));
        ok(get);
        Resp search = api.post("runs/search", obj("experiment_ids", List.of(exp)));
        ok(search);
        Resp graphql = api.send("POST", "/graphql", obj("query", "query GetRun($data: MlflowGetRunInput!) { mlflowGetRun(input: $data) "
                + "{ run { data { params { key value } tags { key value } } } } }", "operationName", "GetRun",
                "variables", obj("data", obj("runId", id))).toString(), "application/json");
        ok(graphql);
        for (JsonNode data : List.of(get.json().at("/run/data"), search.json().at("/runs/0/data"),
                graphql.json().at("/data/mlflowGetRun/run/data"))) {
            List<String> keys = new ArrayList<>();
            for (JsonNode kv : data.get("params")) {
                keys.add(kv.get("key").asText());
                assertEquals(params.get(kv.get("key").asText()), kv.get("value").asText(), data.toString());
            }
            assertEquals(keyOrder, keys, data.toString());
            List<String> tagKeys = new ArrayList<>();
            for (JsonNode kv : data.get("tags")) {
                tagKeys.add(kv.get("key").asText());
            }
            assertEquals(List.of("mlflow.runName", "no value", oddKey), tagKeys, data.toString());
            assertEquals("\u2029\n", data.at("/tags/2/value").asText());
            assertTrue(data.at("/tags/1/value").isMissingNode() || data.at("/tags/1/value").isNull(), data.toString());
        }
    }

    @Test
    void overlappingTransactionsApplyOnTheNewestDoc() throws Exception {
        String exp = experiment();
        String id = run(exp);
        String upsertTag = "INSERT INTO tags (run_uuid, key, value) VALUES (?, '%s', '%s') "
                + "ON CONFLICT (run_uuid, key) DO UPDATE SET value = EXCLUDED.value";
        // different keys of the same run: both kept
        interleave(upsertTag.formatted("a", "1"), upsertTag.formatted("b", "2"), id);
        // a param and a tag
        interleave("INSERT INTO params (run_uuid, key, value) VALUES (?, 'p', 'x')", upsertTag.formatted("c", "3"), id);
        // delete, then set the same key again: the key ends set
        interleave("DELETE FROM tags WHERE run_uuid = ? AND key = 'a'", upsertTag.formatted("a", "again"), id);
        // set, then delete the same key: the key ends deleted
        interleave(upsertTag.formatted("b", "changed"), "DELETE FROM tags WHERE run_uuid = ? AND key = 'b'", id);
        // two values for one key: the later commit wins, in the table and in the doc
        interleave(upsertTag.formatted("c", "first"), upsertTag.formatted("c", "second"), id);
        assertEquals(List.of(), broken());
        assertEquals(Map.of("a", "again", "c", "second", "mlflow.runName", fromGet(id, "tags").get("mlflow.runName")),
                fromGet(id, "tags"));
        assertEquals(Map.of("p", "x"), fromGet(id, "params"));
    }

    @Test
    void sqlWritersAndHardDeletesKeepTheInvariant() throws Exception {
        String exp = experiment();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(run(exp));
        }
        try (Connection c = dataSource.getConnection()) {
            // writers that know neither run_docs nor the experiment columns, several runs per statement
            exec(c, "INSERT INTO params (run_uuid, key, value) SELECT r, 'k' || g, repeat('v', g * 100) "
                    + "FROM unnest(?::text[]) AS r CROSS JOIN generate_series(1, 5) AS g", (Object) ids.toArray(new String[0]));
            exec(c, "INSERT INTO tags (run_uuid, key, value) SELECT r, 'note', NULL FROM unnest(?::text[]) AS r",
                    (Object) ids.toArray(new String[0]));
            exec(c, "UPDATE tags SET value = 'set' WHERE run_uuid = ? AND key = 'note'", ids.get(0));
            exec(c, "UPDATE params SET key = 'renamed' WHERE run_uuid = ? AND key = 'k1'", ids.get(1));
            exec(c, "DELETE FROM params WHERE run_uuid = ? AND key = 'k2'", ids.get(2));
            assertEquals(List.of(), broken());
            assertEquals(5, fromGet(ids.get(3), "params").size());
            assertTrue(fromGet(ids.get(1), "params").containsKey("renamed"));
            Map<String, String> tags = fromGet(ids.get(2), "tags");
            assertTrue(tags.containsKey("note") && tags.get("note") == null, tags.toString());
            // latest metrics written by SQL without run_key get their run's; a wrong run_key is refused
            exec(c, "INSERT INTO latest_metrics (run_uuid, key, experiment_id, step, timestamp, value) "
                    + "SELECT r, 'sql', ?::bigint, 0, 1, 0.5 FROM unnest(?::text[]) AS r", Long.parseLong(exp),
                    (Object) ids.toArray(new String[0]));
            assertEquals(List.of(), broken());
            for (String table : List.of("latest_metrics", "params", "tags")) {
                String columns = table.equals("latest_metrics")
                        ? "(run_uuid, key, experiment_id, step, timestamp, value, run_key) VALUES (?, 'x', " + exp + ", 0, 0, 0, "
                        : "(run_uuid, key, value, run_key) VALUES (?, 'x', 'y', ";
                SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> exec(c,
                        "INSERT INTO " + table + " " + columns + "(SELECT run_key FROM runs WHERE run_uuid = ?))", ids.get(3), ids.get(0)));
                assertEquals("23503", refused.getSQLState(), table + ": " + refused.getMessage());
            }
            assertEquals(List.of(), broken());
            assertEquals(0.5, api.get("runs/get", Map.of("run_id", ids.get(3))).json().at("/run/data/metrics").findValue("value").asDouble());
            // hard deletes (administration) take the docs with the runs
            exec(c, "DELETE FROM runs WHERE run_uuid = ANY(?)", (Object) new String[] {ids.get(0), ids.get(1)});
            assertEquals(List.of(), broken());
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM latest_metrics WHERE run_uuid = ANY(?)")) {
                ps.setArray(1, c.createArrayOf("text", ids.toArray(new String[0])));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(2, rs.getInt(1), "the deleted runs' latest metrics went with them");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM run_docs WHERE run_uuid = ANY(?)")) {
                ps.setArray(1, c.createArrayOf("text", ids.toArray(new String[0])));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(2, rs.getInt(1));
                }
            }
        }
    }
}
