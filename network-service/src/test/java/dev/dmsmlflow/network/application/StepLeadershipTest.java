package dev.dmsmlflow.network.application;

import dev.dmsmlflow.infra.LocalPostgres;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas of network-service on one database (two {@link StepLeadership}s on a real PostgreSQL): one runs the steps,
 * the other stands by and takes over when the holder gives up or its session dies (then the old holder is told so and
 * the new one acts only after a grace).
 */
class StepLeadershipTest {

    @Test
    void oneReplicaHoldsTheStepsAndTheOtherTakesOverWhenItLetsGoOrItsSessionDies() throws Exception {
        LocalPostgres pg = LocalPostgres.shared();
        String database = "leadership_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = pg.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        StepLeadership a = new StepLeadership(dataSource(pg, database));
        StepLeadership b = new StepLeadership(dataSource(pg, database));

        assertEquals(StepLeadership.State.TAKEN, a.poll());
        assertEquals(StepLeadership.State.STANDBY, b.poll(), "the lock is held: the second replica stands by");
        assertTrue(a.held());
        assertFalse(b.held());

        a.release(); // a replica shutting down
        assertFalse(a.held());
        assertEquals(StepLeadership.State.TAKEN, await(b::poll, StepLeadership.State.TAKEN));
        assertEquals(StepLeadership.State.STANDBY, await(a::poll, StepLeadership.State.STANDBY), "now the first one stands by");

        // the holder's session dies (PostgreSQL restarted, or its backend killed): the holder is told LOST (it drops its
        // load balancers), and the other replica takes the lock but acts only after the grace the old holder needs for that
        try (Connection c = pg.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = "
                    + (StepLeadership.KEY & 0xffffffffL) + " AND database = (SELECT oid FROM pg_database WHERE datname = '"
                    + database + "')");
        }
        assertEquals(StepLeadership.State.LOST, await(b::poll, StepLeadership.State.LOST), "the holder learns its session died");
        assertFalse(b.held());
        long asked = System.nanoTime();
        assertEquals(StepLeadership.State.TAKEN, await(a::poll, StepLeadership.State.TAKEN));
        assertTrue(System.nanoTime() - asked >= StepLeadership.GRACE.toNanos(),
                "a replica that was contended acts only after the grace");
        assertEquals(StepLeadership.State.STANDBY, b.poll(), "the old holder stands by");
        a.release();
    }

    private static PGSimpleDataSource dataSource(LocalPostgres pg, String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(pg.jdbcUrl(database));
        ds.setUser(pg.username());
        ds.setPassword(pg.password());
        return ds;
    }

    /** Polls until {@code state} comes (a poll asks again every {@link StepLeadership#RETRY}); fails after 20 s. */
    private static StepLeadership.State await(Supplier<StepLeadership.State> poll, StepLeadership.State state) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        StepLeadership.State last = poll.get();
        while (last != state && System.nanoTime() < deadline) {
            Thread.sleep(100); // the lock is asked for again on the leadership's own clock; nothing to block on
            last = poll.get();
        }
        return last;
    }
}
