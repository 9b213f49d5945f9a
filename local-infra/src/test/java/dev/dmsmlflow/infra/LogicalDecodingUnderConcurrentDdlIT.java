package dev.dmsmlflow.infra;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outbox relays stream through logical replication slots, and every slot decodes the catalog changes of the whole
 * server: the tracking databases' migrations included. PostgreSQL 17.5 handed each committing catalog-changing
 * transaction's invalidation messages, together with those it had been handed itself, to every transaction still in
 * progress, so overlapping migrations made the lists grow exponentially until decoding failed with "invalid memory alloc
 * request size" and no relay could move past that point (issue 14: an instance left CREATING with 2 replicas).
 */
class LogicalDecodingUnderConcurrentDdlIT {

    /** Transactions kept open at once; each commit is decoded while the others are still in progress. */
    private static final int OPEN = 3;
    /** Commits in a chain: far past where 17.5's lists outgrew 1 GiB (they grow by about 1.6 per commit). */
    private static final int COMMITS = 45;

    @Test
    void aSlotKeepsDecodingAfterALongChainOfOverlappingDdlTransactions() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        String db = LocalPostgres.uniqueDatabaseName("decoding_ddl");
        String slot = db + "_slot";
        pg.createDatabase(db);
        try (Connection admin = pg.connect(db); Statement st = admin.createStatement()) {
            st.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')");
            try {
                List<Connection> sessions = new ArrayList<>();
                try {
                    for (int i = 0; i < OPEN; i++) {
                        Connection c = pg.connect(db);
                        c.setAutoCommit(false);
                        sessions.add(c);
                        createTable(c, i);
                    }
                    // commit the oldest open transaction, then open a new one on that session: a rotating overlap
                    for (int n = OPEN; n < OPEN + COMMITS; n++) {
                        Connection c = sessions.get(n % OPEN);
                        c.commit();
                        createTable(c, n);
                    }
                    for (Connection c : sessions) {
                        c.commit();
                    }
                } finally {
                    for (Connection c : sessions) {
                        c.close();
                    }
                }
                // the shared server commits asynchronously and a slot decodes only flushed WAL: wait for this commit's flush
                st.execute("SET synchronous_commit = on");
                st.execute("CREATE TABLE after_ddl (note text)");
                st.execute("INSERT INTO after_ddl VALUES ('reached the slot')");

                List<String> decoded = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT data FROM pg_logical_slot_get_changes('" + slot + "', NULL, NULL)")) {
                    while (rs.next()) {
                        decoded.add(rs.getString(1));
                    }
                }
                assertTrue(decoded.stream().anyMatch(d -> d.contains("reached the slot")),
                        "the row inserted after the overlapping DDL was decoded: " + decoded.subList(Math.max(0, decoded.size() - 5), decoded.size()));
            } finally {
                st.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            }
        } finally {
            pg.dropDatabase(db);
        }
    }

    private static void createTable(Connection c, int n) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ddl_" + n + " (id bigint PRIMARY KEY, note text)");
        }
    }
}
