package dev.dmsmlflow.platform.persistence;

import dev.dmsmlflow.infra.LocalPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The advisory locks on a real PostgreSQL: one holder per scope and key until its transaction ends, others never wait. */
class AdvisoryLocksIT {

    private static final LocalPostgres PG = LocalPostgres.shared();
    private static String database;
    private static final ExecutorService OTHER = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void database() {
        database = LocalPostgres.uniqueDatabaseName("advisory_locks");
        PG.createDatabase(database);
    }

    @AfterAll
    static void drop() {
        OTHER.shutdownNow();
        PG.dropDatabase(database);
    }

    @Test
    void theSameScopeAndKeyWaitsUntilTheHolderCommits() throws Exception {
        try (Connection holder = transaction(); Connection waiter = transaction()) {
            AdvisoryLocks.lockUntilCommit(holder, "quota", "ws-commit");
            int waiterPid = pid(waiter);
            CompletableFuture<Void> second = CompletableFuture.runAsync(() -> lock(waiter, "quota", "ws-commit"), OTHER);

            awaitWaiting(waiterPid);
            assertFalse(second.isDone(), "the second transaction got the lock while the first held it");

            holder.commit();
            second.get(30, TimeUnit.SECONDS);
            waiter.rollback();
        }
    }

    @Test
    void aRollbackReleasesTheLockToo() throws Exception {
        try (Connection holder = transaction(); Connection waiter = transaction()) {
            AdvisoryLocks.lockUntilCommit(holder, "quota", "ws-rollback");
            int waiterPid = pid(waiter);
            CompletableFuture<Void> second = CompletableFuture.runAsync(() -> lock(waiter, "quota", "ws-rollback"), OTHER);

            awaitWaiting(waiterPid);
            holder.rollback();
            second.get(30, TimeUnit.SECONDS);
            waiter.rollback();
        }
    }

    @Test
    void anotherKeyOrScopeDoesNotWait() throws Exception {
        try (Connection holder = transaction(); Connection other = transaction()) {
            AdvisoryLocks.lockUntilCommit(holder, "quota", "ws-a");
            // taken while the first is held: neither returns unless it was granted
            CompletableFuture.runAsync(() -> {
                lock(other, "quota", "ws-b");
                lock(other, "claims", "ws-a");
            }, OTHER).get(30, TimeUnit.SECONDS);
            assertEquals(2, granted(other), "the other transaction holds its two locks");
            holder.rollback();
            other.rollback();
        }
    }

    @Test
    void theLockEndsWithTheTransactionNotTheConnection() throws Exception {
        try (Connection c = transaction()) {
            AdvisoryLocks.lockUntilCommit(c, "quota", "ws-end");
            assertEquals(1, granted(c));
            c.commit();
            assertEquals(0, granted(c), "no advisory lock is left after the commit");
        }
    }

    @Test
    void aScopeNamesTheLockWithoutRunningIntoItsKey() {
        assertThrows(IllegalArgumentException.class, () -> AdvisoryLocks.name("a:b", "c"));
        assertThrows(IllegalArgumentException.class, () -> AdvisoryLocks.name("", "c"));
        assertThrows(IllegalArgumentException.class, () -> AdvisoryLocks.name("quota", null));
    }

    @Test
    void aDataSourceThatFailsIsAnErrorNamingTheLock() {
        javax.sql.DataSource broken = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                    throw new SQLException("no connection");
                });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AdvisoryLocks.lockUntilCommit(broken, "oss-bucket", "b1"));
        assertTrue(e.getMessage().contains("oss-bucket:b1"), e.getMessage());
    }

    private static Connection transaction() throws SQLException {
        Connection c = PG.connect(database);
        c.setAutoCommit(false);
        return c;
    }

    private static void lock(Connection c, String scope, String key) {
        try {
            AdvisoryLocks.lockUntilCommit(c, scope, key);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Advisory locks the connection's backend holds. */
    private static int granted(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Waits until the backend {@code pid} waits for an advisory lock (observed from a third connection). */
    private static void awaitWaiting(int pid) throws SQLException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        try (Connection observer = PG.connect(database);
             PreparedStatement ps = observer.prepareStatement(
                     "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = ?")) {
            ps.setInt(1, pid);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 1) {
                        return;
                    }
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("backend " + pid + " never waited for the lock");
                }
                LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
        }
    }
}
