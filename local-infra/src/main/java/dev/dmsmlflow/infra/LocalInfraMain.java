package dev.dmsmlflow.infra;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs PostgreSQL and Kafka for {@code ./dms up} with their data under one directory, kept across restarts:
 * {@code LocalInfraMain --dir .dms --pg-port 15432 --kafka-port 19092 --controller-port 19093 --services a,b --databases c}
 * ({@code --no-kafka true} runs PostgreSQL alone, as {@code ./dms tracking-server} does; {@code --kafka-nodes 3}, as
 * {@code ./dms up --cluster} does, runs a {@link LocalKafkaCluster} instead of one broker: node {@code i} (from 0) serves
 * clients on {@code kafka-port + 2i} and its controller on {@code controller-port + 2i}, its data under
 * {@code DIR/kafka-cluster/node-<i + 1>}).
 * <p>
 * Each service of {@code --services} ({@link ServiceAccount}) gets its own PostgreSQL login role owning its own database
 * and, with Kafka, its own SCRAM principal; each database of {@code --databases} a login role of the same name owning it.
 * Every password is generated once and kept in {@code DIR/secrets} (0700, files 0600; {@link LocalSecrets}), where
 * {@code ./dms up} reads the ones it hands each service; nothing prints them. With Kafka (the whole stack) it also creates
 * the gateway's service-token key pair under {@code DIR/keys} and instance-service's master key if absent.
 * Prints {@code READY} once both answer; then a {@link Supervisor} restarts either if it stops (crash, OOM kill,
 * {@code kill -9}) and gives up, exiting 1, if one keeps dying (5 restarts within 2 minutes). Stops both cleanly on
 * SIGTERM or Ctrl-C.
 */
public final class LocalInfraMain {

    /** The key instance-service encrypts the per-instance database passwords with (a {@link LocalSecrets} entry). */
    public static final String TRACKING_DB_MASTER_KEY = "tracking-db-master-key";

    private LocalInfraMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(".dms");
        int pgPort = 15432;
        int kafkaPort = 19092;
        int controllerPort = 19093;
        List<String> databases = new ArrayList<>();
        List<ServiceAccount> services = new ArrayList<>();
        boolean withKafka = true;
        int kafkaNodes = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[i + 1]);
                case "--pg-port" -> pgPort = Integer.parseInt(args[i + 1]);
                case "--kafka-port" -> kafkaPort = Integer.parseInt(args[i + 1]);
                case "--controller-port" -> controllerPort = Integer.parseInt(args[i + 1]);
                case "--databases" -> databases.addAll(List.of(args[i + 1].split(",")));
                case "--services" -> {
                    for (String s : args[i + 1].split(",")) {
                        if (!s.isBlank()) {
                            services.add(ServiceAccount.of(s.trim())
                                    .orElseThrow(() -> new IllegalArgumentException("unknown service " + s.trim())));
                        }
                    }
                }
                case "--no-kafka" -> withKafka = !Boolean.parseBoolean(args[i + 1]);
                case "--kafka-nodes" -> kafkaNodes = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        long started = System.nanoTime();
        LocalSecrets secrets = LocalSecrets.inDirectory(dir.resolve("secrets"));
        // the gateway's service-token key pair, created once and kept (docs/identity.md)
        ServiceKeys keys = withKafka ? ServiceKeys.inDirectory(dir.resolve("keys")) : null;
        if (withKafka) {
            secrets.password(TRACKING_DB_MASTER_KEY);
        }
        LocalPostgres pg = LocalPostgres.start(dir.resolve("postgres"), pgPort, false, secrets);
        for (ServiceAccount s : services) {
            pg.ensureRole(s.databaseRole(), secrets.password(s.databaseSecret()), s.roleOptions());
            pg.createDatabase(s.database(), s.databaseRole());
            if (s.roleOptions().contains(ServiceAccount.RoleOption.CREATEROLE)) {
                adoptTrackingDatabases(pg, s.databaseRole());
            }
        }
        for (String db : databases) {
            if (!db.isBlank()) {
                String name = db.trim();
                pg.ensureRole(name, secrets.password("postgres-" + name), EnumSet.noneOf(ServiceAccount.RoleOption.class));
                pg.createDatabase(name, name);
            }
        }
        System.out.printf("postgres  127.0.0.1:%d  (data %s, %s, %s; superuser postgres, a role per service owning its database)%n",
                pg.port(), dir.resolve("postgres"), pg.durability(), pg.authentication());
        if (keys != null) {
            System.out.printf("keys      %s (public) %s (private, owner only)%n", keys.publicKeyFile(), keys.signingKeyFile());
        }
        LocalKafka kafka = withKafka && kafkaNodes == 1 ? LocalKafka.at(dir.resolve("kafka"), kafkaPort, controllerPort, secrets) : null;
        LocalKafkaCluster cluster = withKafka && kafkaNodes > 1 ? cluster(dir, kafkaNodes, kafkaPort, controllerPort, secrets) : null;
        if (kafka != null) {
            kafka.start();
            System.out.printf("kafka     %s  (SASL/%s, ACLs per service; data %s)%n", kafka.bootstrapServers(), LocalKafka.MECHANISM,
                    dir.resolve("kafka"));
        }
        if (cluster != null) {
            cluster.start();
            System.out.printf("kafka     %s  (%d brokers, topics with 3 replicas and min.insync.replicas=2; SASL/%s, ACLs per"
                    + " service; data %s)%n", cluster.bootstrapServers(), kafkaNodes, LocalKafka.MECHANISM, dir.resolve("kafka-cluster"));
        }
        System.out.printf("secrets   %s  (owner only; generated passwords and keys, never printed)%n", secrets.directory());
        List<LocalKafka> brokers = kafka != null ? List.of(kafka) : cluster != null ? cluster.nodes() : List.of();
        Supervisor supervisor = new Supervisor(components(pg, brokers),
                Duration.ofSeconds(1), 5, Duration.ofMinutes(2), System.out, () -> System.exit(1));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            supervisor.stop();
            if (kafka != null) {
                kafka.stop();
            }
            if (cluster != null) {
                cluster.stop();
            }
            pg.close();
            stopped.countDown();
        }, "local-infra-stop"));
        supervisor.start();
        System.out.printf("READY in %d ms%n", (System.nanoTime() - started) / 1_000_000);
        System.out.flush();
        stopped.await();
    }

    /** The cluster of {@code --kafka-nodes N}: node {@code i} on {@code kafkaPort + 2i} and {@code controllerPort + 2i}. */
    static LocalKafkaCluster cluster(Path dir, int nodes, int kafkaPort, int controllerPort, LocalSecrets secrets) {
        int[] ports = new int[nodes];
        int[] controllerPorts = new int[nodes];
        for (int i = 0; i < nodes; i++) {
            ports[i] = kafkaPort + 2 * i;
            controllerPorts[i] = controllerPort + 2 * i;
        }
        return LocalKafkaCluster.at(dir.resolve("kafka-cluster"), ports, controllerPorts, secrets);
    }

    /**
     * What the supervisor watches: PostgreSQL (its postmaster process; a restart reopens the same data directory on the same
     * port, and crash recovery replays the WAL) and each Kafka broker (its process; same ports, same log directory: a
     * cluster's node rejoins the others). A single broker is {@code kafka}, a cluster's nodes {@code kafka-1}...
     */
    static List<Supervisor.Component> components(LocalPostgres postgres, List<LocalKafka> brokers) {
        List<Supervisor.Component> components = new ArrayList<>();
        components.add(new Supervisor.Component() {
            @Override
            public String name() {
                return "postgres";
            }

            @Override
            public boolean isRunning() {
                return postgres.isRunning();
            }

            @Override
            public void restart() {
                postgres.restart();
            }
        });
        for (LocalKafka kafka : brokers) {
            String name = brokers.size() == 1 ? "kafka" : "kafka-" + kafka.nodeId();
            components.add(new Supervisor.Component() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public boolean isRunning() {
                    return kafka.isRunning();
                }

                @Override
                public void restart() {
                    kafka.start();
                }

                @Override
                public String exitDetail() {
                    int code = kafka.exitCode();
                    return code < 0 ? "" : "exit code " + code;
                }
            });
        }
        return components;
    }

    /**
     * Tracking databases made before services had roles of their own were created by the superuser, so instance-service's
     * role could neither re-key, nor drop them: it is given administration of (and membership in) their owners, as it has
     * of the roles it creates itself, and PUBLIC loses CONNECT on them.
     */
    static void adoptTrackingDatabases(LocalPostgres pg, String adminRole) throws SQLException {
        List<String[]> found = new ArrayList<>();
        try (Connection c = pg.connect(LocalPostgres.SUPERUSER); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT d.datname, pg_get_userbyid(d.datdba) FROM pg_database d"
                     + " WHERE d.datname LIKE 'mlflow\\_%' AND NOT pg_has_role('" + adminRole + "', d.datdba, 'USAGE')")) {
            while (rs.next()) {
                found.add(new String[]{rs.getString(1), rs.getString(2)});
            }
        }
        for (String[] db : found) {
            try (Connection c = pg.connect(LocalPostgres.SUPERUSER); Statement s = c.createStatement()) {
                if (!db[1].equals(LocalPostgres.SUPERUSER)) {
                    s.execute("GRANT \"" + db[1] + "\" TO " + adminRole + " WITH ADMIN OPTION, INHERIT TRUE, SET TRUE");
                }
                s.execute("REVOKE CONNECT ON DATABASE \"" + db[0] + "\" FROM PUBLIC");
            }
            System.out.printf("postgres  tracking database %s: its role is now administered by %s%n", db[0], adminRole);
        }
    }
}
