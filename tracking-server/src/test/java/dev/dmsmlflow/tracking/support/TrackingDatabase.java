package dev.dmsmlflow.tracking.support;

import dev.dmsmlflow.infra.TempDirs;
import dev.dmsmlflow.infra.LocalPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Points the server under test at a fresh database on the JVM's shared real PostgreSQL, and at a
 * fresh artifact directory. Use with {@code restrictToAnnotatedClass = true} so each test class gets its own.
 */
public class TrackingDatabase implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        LocalPostgres pg = LocalPostgres.shared();
        String database = LocalPostgres.uniqueDatabaseName("tracking");
        pg.createDatabase(database);
        String artifacts = TempDirs.forThisJvm("tracking-artifacts").toString();
        return Map.of(
                "quarkus.datasource.jdbc.url", pg.jdbcUrl(database),
                "quarkus.datasource.username", pg.username(),
                "quarkus.datasource.password", pg.password(),
                "dms.tracking.artifact-root", artifacts);
    }

    @Override
    public void stop() {
        // the database goes with the JVM's throw-away PostgreSQL
    }
}
