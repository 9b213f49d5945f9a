package dev.dmsmlflow.tracking.artifacts;

import dev.dmsmlflow.infra.LocalPostgres;

import java.io.IOException;
import java.io.InputStream;

/**
 * Starts a throw-away embedded PostgreSQL with one fresh database for the Python client suite
 * ({@code src/test/python}), prints {@code JDBC <url> <user> <password>} on one line, and stops the
 * server when its standard input closes (the pytest session ends or dies).
 */
public final class PostgresForPythonTests {
    private PostgresForPythonTests() {
    }

    public static void main(String[] args) throws IOException {
        LocalPostgres pg = LocalPostgres.shared();
        String db = LocalPostgres.uniqueDatabaseName("pytests");
        pg.createDatabase(db);
        System.out.println("JDBC " + pg.jdbcUrl(db) + " " + pg.username() + " " + pg.password());
        System.out.flush();
        try (InputStream in = System.in) {
            while (in.read() >= 0) {
                // wait for the parent to close our stdin
            }
        }
        System.exit(0); // the shutdown hook stops PostgreSQL
    }
}
