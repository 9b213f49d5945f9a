package dev.dmsmlflow.infra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Gives a {@code @QuarkusTest} the JVM's real PostgreSQL and real Kafka broker, with the credentials the service has under
 * {@code ./dms up}: a fresh database owned by a login role of its own (same name, generated password, the role attributes
 * of the service's {@link ServiceAccount}), the service's Kafka principal, and the JVM's service-token key pair
 * ({@link ServiceKeys#forTests()}). Init arg {@code service} names the database prefix and the relay's replication slot;
 * {@code instance}, {@code network}, {@code notebook}, {@code billing} and {@code gateway} are the services of that name
 * ({@code instance-service}, ..., {@code api-gateway}), anything else (e.g. {@code platform}) gets a role that may only
 * replicate its own database and the Kafka super user.
 * <p>
 * Kafka is the JVM's single broker ({@link LocalKafka#shared()}), or its 3-node cluster ({@link LocalKafkaCluster#shared()})
 * with init arg {@code kafka=cluster} or the system property {@code dms.test.kafka=cluster} (a whole test JVM on the
 * cluster, e.g. an e2e run); {@link #clusterRequested()} tells a test which.
 */
public class LocalInfraTestResource implements QuarkusTestResourceLifecycleManager {

    /** The system property (and init arg {@code kafka}) whose value {@value #CLUSTER} puts the tests on the Kafka cluster. */
    public static final String KAFKA_PROPERTY = "dms.test.kafka";
    public static final String CLUSTER = "cluster";

    private String service = "svc";
    private String database;
    private boolean cluster = clusterRequested();

    @Override
    public void init(Map<String, String> initArgs) {
        service = initArgs.getOrDefault("service", service);
        cluster = cluster || CLUSTER.equals(initArgs.get("kafka"));
    }

    /** Whether this JVM's tests run on the 3-node cluster ({@code -Ddms.test.kafka=cluster}). */
    public static boolean clusterRequested() {
        return CLUSTER.equals(System.getProperty(KAFKA_PROPERTY));
    }

    /** The {@link ServiceAccount} an init arg {@code service} stands for, if any. */
    static java.util.Optional<ServiceAccount> account(String service) {
        return ServiceAccount.of(service.equals("gateway") ? "api-gateway" : service + "-service");
    }

    @Override
    public Map<String, String> start() {
        LocalPostgres pg = LocalPostgres.shared();
        java.util.Optional<ServiceAccount> account = account(service);
        database = LocalPostgres.uniqueDatabaseName(service);
        String password = LocalSecrets.generatePassword();
        Set<ServiceAccount.RoleOption> options = account.map(ServiceAccount::roleOptions)
                .orElse(EnumSet.of(ServiceAccount.RoleOption.REPLICATION));
        pg.ensureRole(database, password, options);
        pg.createDatabase(database, database);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl(database));
        config.put("quarkus.datasource.username", database);
        config.put("quarkus.datasource.password", password);
        String kafkaUser = account.map(ServiceAccount::kafkaUser).orElse(LocalKafka.ADMIN);
        Map<String, Object> client = cluster ? LocalKafkaCluster.shared().clientProperties(kafkaUser)
                : LocalKafka.shared().clientProperties(kafkaUser);
        client.forEach((k, v) -> config.put("kafka." + k, String.valueOf(v)));
        config.put("dms.relay.slot-name", database);
        // internal service tokens (docs/identity.md): services verify with the public key, the gateway signs with the private one
        ServiceKeys keys = ServiceKeys.forTests();
        config.put("mp.jwt.verify.publickey.location", keys.publicKeyFile().toString());
        config.put("smallrye.jwt.sign.key.location", keys.signingKeyFile().toString());
        return config;
    }

    @Override
    public void stop() {
        // the database, its role and its replication slot go with the JVM's throw-away server
    }
}
