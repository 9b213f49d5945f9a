package dev.dmsmlflow.network.application;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Which replica of network-service runs the network steps and holds the load balancers' runtime: the one holding a
 * PostgreSQL session advisory lock on a connection of its own. The others stand by (they serve the API and consume
 * events, which only record steps) and ask for the lock again every {@link #RETRY}; when the holder dies its session
 * ends, the lock is free, and the first standby to ask takes over. One holder means a step runs on one replica (a
 * PROVISION run by two would make two load balancers), and the local provider's proxies, which live inside the holder's
 * JVM, exist in one process only (a standby restoring them would find their ports taken and move them).
 */
@ApplicationScoped
public class StepLeadership {

    private static final Logger LOG = Logger.getLogger(StepLeadership.class);
    /** The advisory lock's key: "network-steps" in ASCII, so that no other lock of this database collides by chance. */
    static final long KEY = 0x6e6574776f726bL;
    /** How often a standby asks for the lock, and how often the holder checks that its session still lives. */
    static final Duration RETRY = Duration.ofSeconds(2);

    private final DataSource dataSource;
    private Connection session;
    private long nextCheck;

    public StepLeadership(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Whether this replica holds the lock now: takes it when it is free (at most every {@link #RETRY} when it was not),
     * and checks the holding session as often. The first call tries at once.
     *
     * @return {@link State#TAKEN} the moment it was taken (the caller restores the runtime), {@link State#HELD} after,
     *         {@link State#STANDBY} while another replica holds it or the database cannot be reached
     */
    public synchronized State poll() {
        long now = System.currentTimeMillis();
        if (now < nextCheck) {
            return session != null ? State.HELD : State.STANDBY;
        }
        nextCheck = now + RETRY.toMillis();
        if (session != null) {
            try {
                if (session.isValid(2)) {
                    return State.HELD;
                }
            } catch (SQLException ignored) {
                // treated as lost below
            }
            LOG.warn("lost the session that held the network steps; standing by");
            closeSession();
            return State.STANDBY;
        }
        Connection c = null;
        try {
            c = dataSource.getConnection();
            c.setAutoCommit(true);
            try (PreparedStatement q = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                q.setLong(1, KEY);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        session = c;
                        LOG.info("this replica runs the network steps and holds the load balancers");
                        return State.TAKEN;
                    }
                }
            }
            c.close();
            return State.STANDBY;
        } catch (SQLException e) {
            LOG.warnf("cannot ask for the network steps' lock: %s", e.getMessage());
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // nothing held on it
                }
            }
            return State.STANDBY;
        }
    }

    /** Whether this replica held the lock at its last {@link #poll()}. */
    public synchronized boolean held() {
        return session != null;
    }

    /** Gives the lock up (at shutdown: a standby takes over at once instead of after the session times out). */
    public synchronized void release() {
        closeSession();
    }

    private void closeSession() {
        if (session != null) {
            // a pooled connection's session outlives close(): unlock explicitly (a dead session has nothing to unlock)
            try (PreparedStatement q = session.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                q.setLong(1, KEY);
                q.execute();
            } catch (SQLException e) {
                LOG.debugf("unlocking the network steps: %s", e.getMessage());
            }
            try {
                session.close();
            } catch (SQLException e) {
                LOG.debugf("closing the lock's session: %s", e.getMessage());
            }
            session = null;
        }
    }

    /** What {@link #poll()} found. */
    public enum State {
        /** Just taken: restore what the holder keeps (the local load balancers) before the first step. */
        TAKEN,
        HELD,
        STANDBY
    }
}
