package dev.dmsmlflow.platform.persistence;

import jakarta.persistence.EntityManager;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * PostgreSQL transaction-level advisory locks, the one way a service serializes work that no row version can guard (a
 * quota counted over rows two creates would both add, a claim on a name no row holds yet). A lock is named by a scope and a
 * key ({@code "instance-quota"}, a workspace id), hashed to PostgreSQL's 64-bit lock id, and held until the caller's
 * transaction commits or rolls back; another transaction asking for the same scope and key waits for it.
 */
public final class AdvisoryLocks {

    private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))";
    private static final String LOCK_JPA = "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))";

    private AdvisoryLocks() {
    }

    /**
     * Takes the lock of {@code scope} and {@code key} on {@code connection}, which must be inside a transaction (auto-commit
     * off): with auto-commit on, the lock would end with the statement.
     */
    public static void lockUntilCommit(Connection connection, String scope, String key) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(LOCK)) {
            ps.setString(1, name(scope, key));
            ps.executeQuery().close();
        }
    }

    /**
     * The same on the connection of the current JTA transaction ({@code dataSource} a transactional pool such as Quarkus'
     * Agroal data source, called with a transaction active, e.g. from a {@code @Transactional(MANDATORY)} method); a failure
     * to take it is an {@link IllegalStateException} naming the lock.
     */
    public static void lockUntilCommit(DataSource dataSource, String scope, String key) {
        try (Connection c = dataSource.getConnection()) {
            lockUntilCommit(c, scope, key);
        } catch (SQLException e) {
            throw new IllegalStateException("could not take the lock " + name(scope, key), e);
        }
    }

    /**
     * The same through JPA, in {@code entityManager}'s transaction (a native query, so Hibernate flushes pending changes
     * first, as before any query). JPA is {@code provided} here: a service without it never calls this.
     */
    public static void lockUntilCommit(EntityManager entityManager, String scope, String key) {
        entityManager.createNativeQuery(LOCK_JPA).setParameter(1, name(scope, key)).getSingleResult();
    }

    /** The text the lock id is hashed from: scope and key can't run into each other, as the scope has no ':'. */
    static String name(String scope, String key) {
        if (scope == null || scope.isEmpty() || scope.indexOf(':') >= 0) {
            throw new IllegalArgumentException("an advisory lock's scope is a non-empty name without ':', not " + scope);
        }
        if (key == null) {
            throw new IllegalArgumentException("an advisory lock of " + scope + " needs a key");
        }
        return scope + ':' + key;
    }
}
