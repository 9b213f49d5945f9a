package dev.dmsmlflow.infra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} the JVM's real PostgreSQL (a fresh database per test resource) and real
 * Kafka broker, and the JVM's service-token key pair ({@link ServiceKeys#forTests()}). Init arg {@code service} names
 * the database prefix and the relay's replication slot.
 */
public class LocalInfraTestResource implements QuarkusTestResourceLifecycleManager {

    private String service = "svc";
    private String database;

    @Override
    public void init(Map<String, String> initArgs) {
        service = initArgs.getOrDefault("service", service);
    }

    @Override
    public Map<String, String> start() {
        LocalPostgres pg = LocalPostgres.shared();
        LocalKafka kafka = LocalKafka.shared();
        database = LocalPostgres.uniqueDatabaseName(service);
        pg.createDatabase(database);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl(database));
        config.put("quarkus.datasource.username", pg.username());
        config.put("quarkus.datasource.password", pg.password());
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        config.put("dms.relay.slot-name", database);
        // internal service tokens (docs/identity.md): services verify with the public key, the gateway signs with the private one
        ServiceKeys keys = ServiceKeys.forTests();
        config.put("mp.jwt.verify.publickey.location", keys.publicKeyFile().toString());
        config.put("smallrye.jwt.sign.key.location", keys.signingKeyFile().toString());
        return config;
    }

    @Override
    public void stop() {
        // the database and its replication slot go with the JVM's throw-away server
    }
}
