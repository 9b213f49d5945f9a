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
 * JVM, exist in one process only (a standby restoring them would find their ports taken and move them). A holder whose
 * session dies (PostgreSQL restarted) is told {@link State#LOST} at its next check and drops its load balancers; a
 * replica taking the lock after contention waits {@link #GRACE} first, so it never restores a port the old holder still
 * listens on.
 */
@ApplicationScoped
public class StepLeadership {

    private static final Logger LOG = Logger.getLogger(StepLeadership.class);
    /** The advisory lock's key: "network-steps" in ASCII, so that no other lock of this database collides by chance. */
    static final long KEY = 0x6e6574776f726bL;
    /** How often a standby asks for the lock, and how often the holder checks that its session still lives. */
    static final Duration RETRY = Duration.ofSeconds(2);

    /**
     * How long a replica that takes the lock after it was contended (held elsewhere, or the database unreachable) waits
     * before it acts: a holder that lost its session (a PostgreSQL restart) notices within {@link #RETRY} and stands
     * down, so its proxies' ports are free by then.
     */
    static final Duration GRACE = RETRY.multipliedBy(2);

    private final DataSource dataSource;
    private Connection session;
    private long nextCheck;
    /** Whether this replica ever found the lock held elsewhere or could not ask for it (then a take-over waits {@link #GRACE}). */
    private boolean contended;
    private long heldSince;
    /** Whether {@link State#TAKEN} was reported for the current hold. */
    private boolean acting;

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
        if (session != null && !acting && (!contended || now - heldSince >= GRACE.toMillis())) {
            acting = true;
            LOG.info("this replica runs the network steps and holds the load balancers");
            return State.TAKEN;
        }
        if (now < nextCheck) {
            return acting ? State.HELD : State.STANDBY;
        }
        nextCheck = now + RETRY.toMillis();
        if (session != null) {
            try {
                if (session.isValid(2)) {
                    return acting ? State.HELD : State.STANDBY;
                }
            } catch (SQLException ignored) {
                // treated as lost below
            }
            LOG.warn("lost the session that held the network steps; standing down");
            closeSession();
            contended = true;
            boolean wasActing = acting;
            acting = false;
            return wasActing ? State.LOST : State.STANDBY;
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
                        heldSince = now;
                        if (!contended) {
                            acting = true;
                            LOG.info("this replica runs the network steps and holds the load balancers");
                            return State.TAKEN;
                        }
                        LOG.infof("took the network steps' lock; acting in %d s (a holder that lost its session stands down meanwhile)",
                                GRACE.toSeconds());
                        return State.STANDBY;
                    }
                }
            }
            c.close();
            contended = true;
            return State.STANDBY;
        } catch (SQLException e) {
            LOG.warnf("cannot ask for the network steps' lock: %s", e.getMessage());
            contended = true;
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

    /** Whether this replica acts as the holder (runs the steps) since its last {@link #poll()}. */
    public synchronized boolean held() {
        return acting;
    }

    /** Gives the lock up (at shutdown: a standby takes over at once instead of after the session times out). */
    public synchronized void release() {
        closeSession();
        acting = false;
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
        STANDBY,
        /** The holding session died (a PostgreSQL restart): drop what the holder keeps, another replica takes over. */
        LOST
    }
}
