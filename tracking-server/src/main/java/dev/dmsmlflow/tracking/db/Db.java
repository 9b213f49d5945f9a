package dev.dmsmlflow.tracking.db;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.SQLException;

/** Plain-JDBC access: {@link #tx} runs a unit of work in one transaction, retrying serialization failures and deadlocks. */
@ApplicationScoped
public class Db {
    @Inject
    AgroalDataSource dataSource;

    /** A piece of work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in a transaction (commit on return, rollback on any exception). */
    public <T> T tx(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T out = work.run(c);
                    c.commit();
                    return out;
                } catch (Throwable t) {
                    try {
                        c.rollback();
                    } catch (SQLException ignored) {
                        // the original failure matters more
                    }
                    throw t;
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                if (attempt < 5 && isRetryable(e)) {
                    continue;
                }
                throw new DbException(e);
            }
        }
    }

    /**
     * Runs read-only {@code work} in autocommit mode (no BEGIN/COMMIT round trips). Every connection is planned for
     * short, page-sized reads (application.properties, {@code options}): custom plans for the actual values, no parallel
     * query (starting workers costs far more than it saves, above all on a busy machine with few cores) and no Memoize
     * nodes (searches probe by run id, unique per row: a memo never hits).
     */
    public <T> T read(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new DbException(e);
        }
    }

    public static boolean isRetryable(SQLException e) {
        String s = e.getSQLState();
        return "40001".equals(s) || "40P01".equals(s);
    }

    public static boolean isUniqueViolation(Throwable e) {
        while (e != null) {
            if (e instanceof SQLException se && "23505".equals(se.getSQLState())) {
                return true;
            }
            e = e.getCause();
        }
        return false;
    }

    /** Unchecked wrapper for SQL failures (answered 500 unless a feature maps it). */
    public static final class DbException extends RuntimeException {
        public DbException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
