package dev.dmsmlflow.tracking.runs;

import dev.dmsmlflow.infra.LocalPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Migration V55 on a database that already holds runs (written at V54, as a server of the previous release left them):
 * every run gets its own run_key, and the params, tags and latest metrics it already had carry that key afterwards;
 * runs created after the migration get new keys.
 */
class RunKeysMigrationTest {

    @Test
    void existingRunsAndTheirRowsGetTheirOwnKeys() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        String database = LocalPostgres.uniqueDatabaseName("runkeys");
        pg.createDatabase(database);
        Flyway.configure().dataSource(pg.jdbcUrl(database), pg.username(), pg.password())
                .locations("classpath:db/tracking").target("54").load().migrate();
        try (Connection c = pg.connect(database); Statement s = c.createStatement()) {
            s.execute("INSERT INTO experiments (experiment_id, name, creation_time, last_update_time) VALUES (7, 'e7', 1, 1), "
                    + "(8, 'e8', 1, 1)");
            // 30 runs in two experiments, each with its own params, tags and latest metrics
            s.execute("INSERT INTO runs (run_uuid, experiment_id, status, start_time) SELECT 'old' || g, 7 + g % 2, 'FINISHED', g "
                    + "FROM generate_series(1, 30) AS g");
            s.execute("INSERT INTO params (run_uuid, key, value) SELECT 'old' || g, 'p' || k, 'v' || g FROM generate_series(1, 30) g, "
                    + "generate_series(1, 3) k");
            s.execute("INSERT INTO tags (run_uuid, key, value) SELECT 'old' || g, 't', 'x' || g FROM generate_series(1, 30) g");
            s.execute("INSERT INTO latest_metrics (run_uuid, key, experiment_id, step, timestamp, value) "
                    + "SELECT 'old' || g, 'm' || k, 7 + g % 2, 0, 1, g * 10 + k FROM generate_series(1, 30) g, generate_series(1, 2) k");
        }

        Flyway.configure().dataSource(pg.jdbcUrl(database), pg.username(), pg.password())
                .locations("classpath:db/tracking").load().migrate();

        try (Connection c = pg.connect(database); Statement s = c.createStatement()) {
            Set<Long> keys = new HashSet<>();
            try (ResultSet rs = s.executeQuery("SELECT run_key FROM runs")) {
                while (rs.next()) {
                    long k = rs.getLong(1);
                    assertEquals(false, rs.wasNull());
                    keys.add(k);
                }
            }
            assertEquals(30, keys.size(), "every run has a key of its own");
            // the rows of each run carry that run's key; the values are untouched
            assertEquals(List.of(), rows(s, "SELECT 'param ' || p.run_uuid FROM params p JOIN runs r ON r.run_uuid = p.run_uuid "
                    + "WHERE p.run_key IS DISTINCT FROM r.run_key OR p.value <> 'v' || substr(p.run_uuid, 4) "
                    + "UNION ALL SELECT 'tag ' || t.run_uuid FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid "
                    + "WHERE t.run_key IS DISTINCT FROM r.run_key "
                    + "UNION ALL SELECT 'metric ' || l.run_uuid FROM latest_metrics l JOIN runs r ON r.run_uuid = l.run_uuid "
                    + "WHERE l.run_key IS DISTINCT FROM r.run_key OR l.value <> substr(l.run_uuid, 4)::int * 10 + substr(l.key, 2)::int"));
            assertEquals(List.of("90", "30", "60"), rows(s, "SELECT count(*)::text FROM params UNION ALL SELECT count(*)::text FROM tags "
                    + "UNION ALL SELECT count(*)::text FROM latest_metrics"));

            // a run created afterwards gets a new key, and its rows get it from the trigger
            s.execute("INSERT INTO runs (run_uuid, experiment_id, status) VALUES ('new1', 7, 'RUNNING')");
            s.execute("INSERT INTO params (run_uuid, key, value) VALUES ('new1', 'p', 'q')");
            s.execute("INSERT INTO latest_metrics (run_uuid, key, experiment_id, step, timestamp, value) VALUES ('new1', 'm', 7, 0, 0, 1)");
            List<String> fresh = rows(s, "SELECT r.run_key::text FROM runs r WHERE r.run_uuid = 'new1' "
                    + "UNION ALL SELECT run_key::text FROM params WHERE run_uuid = 'new1' "
                    + "UNION ALL SELECT run_key::text FROM latest_metrics WHERE run_uuid = 'new1'");
            assertEquals(3, fresh.size());
            assertNotNull(fresh.get(0));
            assertEquals(List.of(fresh.get(0), fresh.get(0)), fresh.subList(1, 3));
            assertEquals(false, keys.contains(Long.parseLong(fresh.get(0))));
            // the key is the database's to give
            SQLException refused = assertThrows(SQLException.class,
                    () -> s.execute("INSERT INTO runs (run_uuid, experiment_id, status, run_key) VALUES ('new2', 7, 'RUNNING', 1)"));
            assertEquals("428C9", refused.getSQLState(), refused.getMessage());
        }
    }

    private static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
