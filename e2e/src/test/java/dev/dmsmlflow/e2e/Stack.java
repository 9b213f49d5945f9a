package dev.dmsmlflow.e2e;

import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.infra.LocalKafka;
import dev.dmsmlflow.infra.LocalKafkaCluster;
import dev.dmsmlflow.infra.LocalPostgres;
import dev.dmsmlflow.infra.LocalSecrets;
import dev.dmsmlflow.infra.ServiceAccount;
import dev.dmsmlflow.infra.ServiceKeys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The DMS MLflow services that provision instances, running together as they do in production: the packaged
 * network-service and instance-service ({@code target/quarkus-app/quarkus-run.jar}) as child JVMs on free ports,
 * on this JVM's shared PostgreSQL and Kafka broker, with the local network provider and local compute
 * (tracking-server child processes of instance-service). Logs go to files in {@code dir}. Each service runs as under
 * {@code ./dms up}: its own database role (owner of its database only) and Kafka principal, their generated passwords in
 * its environment ({@link #secrets()} lists every secret the stack made, for the secrets scan). Each service answers business
 * calls on its HTTP port only with a gateway service token ({@link Api#as}; the services verify with the public key of
 * {@link ServiceKeys#forTests()}), and health on its management port.
 * <p>
 * {@link Options} start it distributed instead: on this JVM's 3-broker {@link LocalKafkaCluster} (topics with 3 copies,
 * {@code min.insync.replicas=2}) and with N replicas of instance-service, network-service (and billing-service once
 * started): each replica on its own ports with its own {@code dms.saga.replica-id}, all in the same consumer groups, on
 * the same database, work directory and master keys, each killable and restartable on its own ({@link #kill},
 * {@link #restart}). {@link #instanceUrl} and the like name the first replica; {@link #urls} every one of them.
 */
public final class Stack implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    public final Path root;
    public final Path dir;
    public final Path workDir;
    public final LocalPostgres pg;
    /** The single broker, or the first node of {@link #cluster}. */
    public final LocalKafka kafka;
    /** The 3-broker cluster the stack runs on, or null on the single broker. */
    public final LocalKafkaCluster cluster;
    public final String networkUrl;
    public final String instanceUrl;
    /** The management interfaces (health, metrics, OpenAPI): {@code http://127.0.0.1:<port>}. */
    public final String networkManagementUrl;
    public final String instanceManagementUrl;
    private final Options options;
    /** The running copies of each service this stack started, by module name ({@code instance-service} …), first replica first. */
    private final Map<String, List<Replica>> replicas = new java.util.concurrent.ConcurrentHashMap<>();
    private final boolean ownsPostgres;
    private final Thread hook;
    private final Map<String, String> secrets;
    private volatile Process gateway;
    /** notebook-service's URL and management URL, once {@link #startNotebookService} ran. */
    public volatile String notebookUrl;
    public volatile String notebookManagementUrl;
    private Process notebook;
    /** billing-service's URL and management URL (its first replica), once {@link #startBilling} ran. */
    public volatile String billingUrl;
    public volatile String billingManagementUrl;
    /** The api-gateway's public URL, management URL and bootstrap owner key, once {@link #startGateway} ran. */
    public volatile String gatewayUrl;
    public volatile String gatewayManagementUrl;
    public volatile String bootstrapKey;

    /**
     * How to start a stack: on the 3-broker cluster or the single broker, how many replicas of instance-, network- and
     * billing-service, extra environment of instance-service, a crash-safe PostgreSQL of its own.
     */
    public record Options(boolean cluster, int replicas, Map<String, String> instanceEnvOverrides, boolean durablePostgres) {
        public Options {
            if (replicas < 1) {
                throw new IllegalArgumentException("replicas must be at least 1");
            }
            instanceEnvOverrides = Map.copyOf(instanceEnvOverrides);
        }

        /** One replica of each service on the single broker (what every other test runs). */
        public static Options single() {
            return new Options(false, 1, Map.of(), false);
        }

        /** {@code replicas} replicas of each service on this JVM's 3-broker cluster. */
        public static Options cluster(int replicas) {
            return new Options(true, replicas, Map.of(), false);
        }

        public Options withDurablePostgres(boolean durable) {
            return new Options(cluster, replicas, instanceEnvOverrides, durable);
        }

        public Options withInstanceEnv(Map<String, String> env) {
            return new Options(cluster, replicas, env, durablePostgres);
        }
    }

    /** One running copy of a service and how it was launched, to start it again the same way after a kill. */
    private static final class Replica {
        final Path dir;
        final String module;
        final int index;
        final Path jar;
        final Map<String, String> env;
        final List<String> jvmOptions;
        final String url;
        final String managementUrl;
        volatile Process process;
        int starts = 1;

        Replica(Path dir, String module, int index, Path jar, Map<String, String> env, List<String> jvmOptions) {
            this.dir = dir;
            this.module = module;
            this.index = index;
            this.jar = jar;
            this.env = Map.copyOf(env);
            this.jvmOptions = List.copyOf(jvmOptions);
            this.url = "http://127.0.0.1:" + env.get("DMS_HTTP_PORT");
            this.managementUrl = "http://127.0.0.1:" + env.get("DMS_MANAGEMENT_PORT");
        }

        /** The log of this replica's {@code starts}-th start: {@code <module>[-r<index>][-<start>].log}. */
        Path log() {
            return dir.resolve(module + (index == 1 ? "" : "-r" + index) + (starts == 1 ? "" : "-" + starts) + ".log");
        }

        void launch() {
            process = Stack.launch(jar, log(), env, jvmOptions);
        }

        void awaitReady() {
            Stack.awaitReady(module + (index == 1 ? "" : " replica " + index), process, managementUrl, log());
        }
    }

    private Stack(Path root, Path dir, LocalPostgres pg, LocalKafka kafka, LocalKafkaCluster cluster, Options options,
                  List<Replica> network, List<Replica> instance, boolean ownsPostgres, Map<String, String> secrets) {
        this.root = root;
        this.dir = dir;
        this.workDir = dir.resolve("work");
        this.pg = pg;
        this.kafka = kafka;
        this.cluster = cluster;
        this.options = options;
        this.ownsPostgres = ownsPostgres;
        this.secrets = secrets;
        this.replicas.put("network-service", new java.util.concurrent.CopyOnWriteArrayList<>(network));
        this.replicas.put("instance-service", new java.util.concurrent.CopyOnWriteArrayList<>(instance));
        this.networkUrl = network.get(0).url;
        this.instanceUrl = instance.get(0).url;
        this.networkManagementUrl = network.get(0).managementUrl;
        this.instanceManagementUrl = instance.get(0).managementUrl;
        this.hook = new Thread(this::stopAll, "dms-e2e-stack-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The repository root: system property {@code dms.e2e.root}, else the first ancestor of the working directory with a {@code dms} script. */
    public static Path repositoryRoot() {
        String prop = System.getProperty("dms.e2e.root");
        if (prop != null) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("dms")) && Files.isDirectory(p.resolve("instance-service"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root; set -Ddms.e2e.root");
    }

    /** Starts PostgreSQL and Kafka (once per JVM), both services' databases and both services, and waits until they are ready. */
    public static Stack start(Path dir) {
        return start(dir, Options.single());
    }

    /** As {@link #start(Path)}, with environment variables of instance-service replaced or added ({@code DMS_TRACKING_SERVER_JAR} …). */
    public static Stack start(Path dir, Map<String, String> instanceEnvOverrides) {
        return start(dir, Options.single().withInstanceEnv(instanceEnvOverrides));
    }

    /**
     * As {@link #start(Path, Map)}; with {@code durablePostgres} the stack gets its own crash-safe PostgreSQL
     * (fsync, full-page writes, synchronous commits, as {@code ./dms up} runs it) under {@code dir}, stopped with the
     * stack, instead of this JVM's throw-away test server. Benchmarks use it.
     */
    public static Stack start(Path dir, Map<String, String> instanceEnvOverrides, boolean durablePostgres) {
        return start(dir, Options.single().withInstanceEnv(instanceEnvOverrides).withDurablePostgres(durablePostgres));
    }

    /** Starts the stack as {@code options} say (the single broker or the cluster, how many replicas) and waits until every replica is ready. */
    public static Stack start(Path dir, Options options) {
        dir = dir.toAbsolutePath().normalize();
        Path root = repositoryRoot();
        Path networkJar = root.resolve("network-service/target/quarkus-app/quarkus-run.jar");
        Path instanceJar = root.resolve("instance-service/target/quarkus-app/quarkus-run.jar");
        Path trackingJar = root.resolve("tracking-server/target/quarkus-app/quarkus-run.jar");
        for (Path jar : List.of(networkJar, instanceJar, trackingJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build first (mvn -pl e2e -am install -DskipTests)");
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalPostgres pg = options.durablePostgres() ? LocalPostgres.start(dir.resolve("postgres"), 0, false) : LocalPostgres.shared();
        LocalKafkaCluster cluster = options.cluster() ? LocalKafkaCluster.shared() : null;
        LocalKafka kafka = cluster != null ? cluster.nodes().get(0) : LocalKafka.shared();
        String bootstrap = cluster != null ? cluster.bootstrapServers() : kafka.bootstrapServers();
        // what LocalInfraMain does for ./dms up: a login role per service owning its database, a generated password each
        Map<String, String> secrets = new java.util.LinkedHashMap<>();
        secrets.put("postgres superuser", pg.password());
        secrets.put("kafka admin", kafka.password(LocalKafka.ADMIN));
        Map<String, String> dbPasswords = new java.util.HashMap<>();
        for (String service : List.of(TopicAccess.NETWORK_SERVICE, TopicAccess.INSTANCE_SERVICE)) {
            ServiceAccount account = ServiceAccount.of(service).orElseThrow();
            String password = LocalSecrets.generatePassword();
            pg.ensureRole(account.databaseRole(), password, account.roleOptions());
            pg.createDatabase(account.database(), account.databaseRole());
            dbPasswords.put(service, password);
            secrets.put("database password of " + service, password);
            secrets.put("kafka password of " + service, kafka.password(service));
        }
        Path masterKey = dir.resolve("secrets").resolve("tracking-db-master-key");
        String publicKey = ServiceKeys.forTests().publicKeyFile().toString();
        // the load balancers check their tracking servers every second; a silent one is a 504 after 10 s, not 60
        List<String> networkOptions = List.of("-Ddms.network.local.health-check.interval=1s",
                "-Ddms.network.local.health-check.timeout=1s", "-Ddms.network.local.upstream-timeout=10s");
        List<Replica> network = new ArrayList<>();
        List<Replica> instance = new ArrayList<>();
        for (int r = 1; r <= options.replicas(); r++) {
            Map<String, String> networkEnv = new java.util.HashMap<>(Map.of(
                    "DMS_HTTP_PORT", String.valueOf(freePort()),
                    "DMS_MANAGEMENT_PORT", String.valueOf(freePort()),
                    "DMS_GATEWAY_PUBLIC_KEY_FILE", publicKey,
                    "DMS_DB_URL", pg.jdbcUrl("network_service"),
                    "DMS_DB_USER", "network_service",
                    "DMS_DB_PASSWORD", dbPasswords.get(TopicAccess.NETWORK_SERVICE),
                    "DMS_KAFKA_BOOTSTRAP", bootstrap,
                    "DMS_KAFKA_USER", TopicAccess.NETWORK_SERVICE,
                    "DMS_KAFKA_PASSWORD", kafka.password(TopicAccess.NETWORK_SERVICE),
                    "DMS_NETWORK_MASTER_KEY_FILE", dir.resolve("secrets").resolve("network-master-key").toString()));
            network.add(new Replica(dir, "network-service", r, networkJar, networkEnv, networkOptions));
        }
        for (int r = 1; r <= options.replicas(); r++) {
            Map<String, String> instanceEnv = new java.util.HashMap<>(Map.of(
                    "DMS_HTTP_PORT", String.valueOf(freePort()),
                    "DMS_DB_URL", pg.jdbcUrl("instance_service"),
                    "DMS_DB_USER", "instance_service",
                    "DMS_DB_PASSWORD", dbPasswords.get(TopicAccess.INSTANCE_SERVICE),
                    "DMS_KAFKA_BOOTSTRAP", bootstrap,
                    "DMS_KAFKA_USER", TopicAccess.INSTANCE_SERVICE,
                    "DMS_KAFKA_PASSWORD", kafka.password(TopicAccess.INSTANCE_SERVICE),
                    "DMS_NETWORK_URL", network.get(0).url,
                    "DMS_TRACKING_SERVER_JAR", trackingJar.toString(),
                    "DMS_WORK_DIR", dir.resolve("work").toString()));
            instanceEnv.put("DMS_SECRETS_MASTER_KEY_FILE", masterKey.toString());
            instanceEnv.put("DMS_MANAGEMENT_PORT", String.valueOf(freePort()));
            instanceEnv.put("DMS_GATEWAY_PUBLIC_KEY_FILE", publicKey);
            instanceEnv.put("DMS_SAGA_REPLICA_ID", "instance-service-" + r);
            instanceEnv.putAll(options.instanceEnvOverrides());
            List<String> instanceOptions = List.of(
                    // tracking servers are children of this run only: stop them with the service; with several replicas
                    // sharing the work directory, a replica that stops must not take the others' servers along (the
                    // stack stops whatever remains when it closes)
                    "-Ddms.compute.local.stop-on-shutdown=" + (options.replicas() == 1),
                    // quick start of each tracking server on a small machine
                    "-Ddms.compute.local.jvm-options=-XX:TieredStopAtLevel=1,-XX:+UseSerialGC,-Xss512k",
                    "-Ddms.saga.poll-interval=100ms");
            instance.add(new Replica(dir, "instance-service", r, instanceJar, instanceEnv, instanceOptions));
        }
        Stack stack = new Stack(root, dir, pg, kafka, cluster, options, network, instance, options.durablePostgres(), secrets);
        try {
            // the first replica of each service (each migrates its own database), then the others together
            for (int r = 0; r < options.replicas(); r++) {
                network.get(r).launch();
                instance.get(r).launch();
                network.get(r).awaitReady();
                instance.get(r).awaitReady();
            }
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private static Process launch(Path jar, Path log, Map<String, String> env, List<String> jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        if (!Boolean.getBoolean("dms.e2e.production-jvm")) {
            // tests: quick start on a small machine; benchmarks ask for the JVM ./dms up runs (-Ddms.e2e.production-jvm=true)
            cmd.add("-XX:+UseSerialGC");
            cmd.add("-XX:TieredStopAtLevel=1");
        }
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + jar, e);
        }
    }

    /** Waits until the service's readiness (on its management interface, {@code managementBase}) is UP. */
    private static void awaitReady(String name, Process p, String managementBase, Path log) {
        Api.await(() -> {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited (" + p.exitValue() + "); see " + log);
            }
            try {
                return Api.get(managementBase + "/q/health/ready").status() == 200;
            } catch (UncheckedIOException e) { // not listening yet
                return false;
            }
        }, READY_TIMEOUT, name + " to be ready (log " + log + ")", () -> p.isAlive() ? "alive" : "exited " + p.exitValue());
        if (!p.isAlive()) {
            throw new IllegalStateException(name + " exited; see " + log);
        }
    }

    /**
     * Starts the packaged api-gateway in front of this stack's services (as {@code ./dms up} does: its own database, the
     * signing key of {@link ServiceKeys#forTests()}, a bootstrap owner key written to {@code dir/bootstrap-api-key}) and
     * waits until it is ready. {@code jvmOptions} are passed to its JVM (e.g. {@code -Ddms.gateway.rate-limit.rate=...}).
     */
    public synchronized void startGateway(List<String> jvmOptions) {
        if (gateway != null) {
            throw new IllegalStateException("the gateway already runs");
        }
        Path keyFile = dir.resolve("bootstrap-api-key");
        Map<String, String> env = new java.util.HashMap<>();
        // a list of every replica: the gateway spreads its calls over them (as under ./dms up --cluster)
        env.put("DMS_INSTANCE_URL", String.join(",", urls("instance-service")));
        env.put("DMS_NETWORK_URL", String.join(",", urls("network-service")));
        if (notebookUrl != null) {
            env.put("DMS_NOTEBOOK_URL", notebookUrl);
        }
        if (billingUrl != null) {
            env.put("DMS_BILLING_URL", String.join(",", urls("billing-service")));
        }
        env.put("DMS_GATEWAY_SIGNING_KEY_FILE", ServiceKeys.forTests().signingKeyFile().toString());
        env.put("DMS_BOOTSTRAP_KEY_FILE", keyFile.toString());
        Started started = startService(TopicAccess.API_GATEWAY, "api-gateway", env, jvmOptions);
        gateway = started.process();
        gatewayUrl = started.url();
        gatewayManagementUrl = started.managementUrl();
        try {
            bootstrapKey = Files.readString(keyFile).trim();
            secrets.put("bootstrap API key", bootstrapKey);
        } catch (IOException e) {
            throw new UncheckedIOException("the gateway wrote no bootstrap key to " + keyFile, e);
        }
    }

    /**
     * Starts the packaged billing-service (its own login role owning its database, its own Kafka principal, exports under
     * {@code dir/billing-exports}) and waits until it is ready; start it before {@link #startGateway} so that the gateway
     * forwards billing to it.
     */
    public synchronized void startBilling() {
        if (billingUrl != null) {
            throw new IllegalStateException("billing-service already runs");
        }
        Map<String, String> env = Map.of("DMS_BILLING_EXPORT_DIR", dir.resolve("billing-exports").toString());
        Started first = startService(TopicAccess.BILLING_SERVICE, "billing-service", env, List.of());
        List<Replica> billing = new java.util.concurrent.CopyOnWriteArrayList<>();
        billing.add(first.replica());
        for (int r = 2; r <= options.replicas(); r++) {
            Map<String, String> more = new java.util.HashMap<>(first.replica().env);
            more.put("DMS_HTTP_PORT", String.valueOf(freePort()));
            more.put("DMS_MANAGEMENT_PORT", String.valueOf(freePort()));
            Replica replica = new Replica(dir, "billing-service", r, first.replica().jar, more, List.of());
            replica.launch();
            billing.add(replica);
        }
        billing.stream().skip(1).forEach(Replica::awaitReady);
        replicas.put("billing-service", billing);
        billingUrl = first.url();
        billingManagementUrl = first.managementUrl();
    }

    /**
     * Starts the packaged notebook-service (its own database role and Kafka principal, work directory {@code dir/work}, the
     * shared cache of Python environments under ~/.cache/dms-mlflow) and waits until it is ready. Call before
     * {@link #startGateway} so the gateway forwards to it. Its JupyterLab servers stop with it.
     */
    public synchronized void startNotebookService(List<String> jvmOptions) {
        startNotebookService(jvmOptions, Map.of());
    }

    /** As {@link #startNotebookService(List)}, with variables of its environment added or replaced ({@code DMS_CACHE_DIR}, {@code UV_CACHE_DIR} …). */
    public synchronized void startNotebookService(List<String> jvmOptions, Map<String, String> envOverrides) {
        if (notebook != null) {
            throw new IllegalStateException("notebook-service already runs");
        }
        Map<String, String> env = new java.util.HashMap<>();
        env.put("DMS_WORK_DIR", workDir.toString());
        env.put("DMS_NOTEBOOK_MASTER_KEY_FILE", dir.resolve("secrets").resolve("notebook-master-key").toString());
        env.putAll(envOverrides);
        List<String> options = new ArrayList<>(List.of("-Ddms.notebook.local.stop-on-shutdown=true",
                "-Ddms.notebook.worker.poll-interval=200ms"));
        options.addAll(jvmOptions);
        Started started = startService(TopicAccess.NOTEBOOK_SERVICE, "notebook-service", env, options);
        notebook = started.process();
        notebookUrl = started.url();
        notebookManagementUrl = started.managementUrl();
    }

    /** A service started after the first two: how it was launched (to start it again the same way after a kill). */
    private record Started(Replica replica) {
        Process process() {
            return replica.process;
        }

        String url() {
            return replica.url;
        }

        String managementUrl() {
            return replica.managementUrl;
        }
    }

    /**
     * Starts the packaged {@code module} as {@code ./dms up} would: its own login role owning its database and its own Kafka
     * principal (passwords generated, kept in {@link #secrets()}), free ports, the gateway's public key, plus {@code env};
     * waits until it is ready.
     */
    private Started startService(String service, String module, Map<String, String> env, List<String> jvmOptions) {
        Path jar = root.resolve(module + "/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build first (./mvnw -pl " + module + " -am package -DskipTests)");
        }
        ServiceAccount account = ServiceAccount.of(service).orElseThrow();
        String dbPassword = LocalSecrets.generatePassword();
        pg.ensureRole(account.databaseRole(), dbPassword, account.roleOptions());
        pg.createDatabase(account.database(), account.databaseRole());
        secrets.put("database password of " + service, dbPassword);
        secrets.put("kafka password of " + service, kafka.password(service));
        int port = freePort();
        int managementPort = freePort();
        Map<String, String> all = new java.util.HashMap<>();
        all.put("DMS_HTTP_PORT", String.valueOf(port));
        all.put("DMS_MANAGEMENT_PORT", String.valueOf(managementPort));
        all.put("DMS_GATEWAY_PUBLIC_KEY_FILE", ServiceKeys.forTests().publicKeyFile().toString());
        all.put("DMS_DB_URL", pg.jdbcUrl(account.database()));
        all.put("DMS_DB_USER", account.databaseRole());
        all.put("DMS_DB_PASSWORD", dbPassword);
        all.put("DMS_KAFKA_BOOTSTRAP", bootstrapServers());
        all.put("DMS_KAFKA_USER", service);
        all.put("DMS_KAFKA_PASSWORD", kafka.password(service));
        all.putAll(env);
        Replica replica = new Replica(dir, module, 1, jar, all, jvmOptions);
        replica.launch();
        replica.awaitReady();
        return new Started(replica);
    }

    /**
     * Every secret this stack made, by what it is: the PostgreSQL superuser's and each service's database password, the
     * Kafka super user's and each service's Kafka password, instance-service's master key (once it made it).
     */
    public Map<String, String> secrets() {
        Map<String, String> all = new java.util.LinkedHashMap<>(secrets);
        Path masterKey = Path.of(replicas.get("instance-service").get(0).env.get("DMS_SECRETS_MASTER_KEY_FILE"));
        if (Files.isRegularFile(masterKey)) {
            try {
                all.put("instance-service master key", Files.readString(masterKey).trim());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Path networkKey = dir.resolve("secrets").resolve("network-master-key");
        if (Files.isRegularFile(networkKey)) {
            try {
                all.put("network-service master key", Files.readString(networkKey).trim());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    /** The process of instance-service's first replica (its children are the tracking servers it started). */
    public ProcessHandle instanceService() {
        return replica("instance-service", 1).process.toHandle();
    }

    /** Kills instance-service with SIGKILL (no shutdown: its tracking servers keep running, as after a crash). */
    public void killInstanceService() throws InterruptedException {
        kill("instance-service", 1);
    }

    /** Starts instance-service again, on the same port, database and work directory, and waits until it is ready. */
    public void restartInstanceService() {
        restart("instance-service", 1);
    }

    /** Kills network-service with SIGKILL (its load balancers, in its JVM, go with it, as after a crash). */
    public void killNetworkService() throws InterruptedException {
        kill("network-service", 1);
    }

    /** Starts network-service again, on the same port and database, and waits until it is ready. */
    public void restartNetworkService() {
        restart("network-service", 1);
    }

    /** Kills billing-service with SIGKILL (a crash: the poll it had not committed is delivered again to its successor). */
    public void killBilling() throws InterruptedException {
        kill("billing-service", 1);
    }

    /** Starts billing-service again, on the same ports, database and Kafka principal, and waits until it is ready. */
    public void restartBilling() {
        restart("billing-service", 1);
    }

    /** How many replicas of {@code module} ({@code instance-service}, {@code network-service}, {@code billing-service}) run or ran. */
    public int replicas(String module) {
        return replicas.getOrDefault(module, List.of()).size();
    }

    /** The HTTP base URL of every replica of {@code module}, first replica first. */
    public List<String> urls(String module) {
        return replicas.getOrDefault(module, List.of()).stream().map(r -> r.url).toList();
    }

    /** The process of replica {@code replica} (from 1) of {@code module}. */
    public ProcessHandle process(String module, int replica) {
        return replica(module, replica).process.toHandle();
    }

    /** Kills replica {@code replica} (from 1) of {@code module} with SIGKILL and waits until it is gone; the other replicas keep running. */
    public void kill(String module, int replica) throws InterruptedException {
        replica(module, replica).process.destroyForcibly().waitFor();
    }

    /**
     * Starts replica {@code replica} of {@code module} again, the same way (ports, replica id, database), and waits until it
     * is ready; as a supervisor does, a start that exits (its database or broker was down meanwhile) is tried again, up
     * to five times.
     */
    public void restart(String module, int replica) {
        Replica r = replica(module, replica);
        synchronized (r) {
            if (r.process.isAlive()) {
                throw new IllegalStateException(module + " replica " + replica + " still runs");
            }
            for (int attempt = 1; ; attempt++) {
                r.starts++;
                r.launch();
                try {
                    r.awaitReady();
                    return;
                } catch (RuntimeException | AssertionError e) {
                    if (r.process.isAlive() || attempt == 5) {
                        throw e; // alive but never ready, or exits every time: not a passing outage
                    }
                    System.out.println("stack: " + module + " replica " + replica + " exited while starting (" + e.getMessage()
                            + "); starting it again");
                }
            }
        }
    }

    private Replica replica(String module, int replica) {
        List<Replica> all = replicas.get(module);
        if (all == null || replica < 1 || replica > all.size()) {
            throw new IllegalArgumentException("no replica " + replica + " of " + module);
        }
        return all.get(replica - 1);
    }

    /** The Kafka bootstrap servers the services use: every broker of the cluster, or the single one. */
    public String bootstrapServers() {
        return cluster != null ? cluster.bootstrapServers() : kafka.bootstrapServers();
    }

    /** The tracking-server processes of this stack (found by their work-directory marker, as instance-service finds them). */
    public List<ProcessHandle> trackingServers() {
        String home = "-Ddms.compute.home=" + workDir;
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(home)).orElse(false))
                .toList();
    }

    /** The Kafka broker's process (SIGSTOP/SIGCONT it to pause the bus); on the cluster, the first node's. */
    public ProcessHandle kafkaBroker() {
        return kafka.brokerProcess().orElseThrow(() -> new IllegalStateException("the Kafka broker does not run"));
    }

    /** The first column of every row {@code sql} returns in {@code database}, as text (the superuser reads any service's tables). */
    public List<String> column(String database, String sql) {
        List<String> values = new ArrayList<>();
        try (var c = pg.connect(database);
             var q = c.createStatement();
             var rs = q.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return values;
    }

    /** Whether {@code database} exists on the shared PostgreSQL server. */
    public boolean databaseExists(String database) {
        try (var c = pg.connect("postgres");
             var q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            q.setString(1, database);
            try (var rs = q.executeQuery()) {
                return rs.next();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) { // already shutting down
        }
    }

    private void stopAll() {
        if (gateway != null) {
            stop(gateway);
        }
        if (notebook != null) {
            stop(notebook); // it stops its JupyterLab servers (stop-on-shutdown)
        }
        replicas.getOrDefault("billing-service", List.of()).forEach(r -> stop(r.process));
        // instance-service first (it stops its tracking servers), then network-service (its proxies go with it)
        replicas.getOrDefault("instance-service", List.of()).forEach(r -> stop(r.process));
        // whatever tracking server outlived it (a killed service leaves them running by design)
        String home = "-Ddms.compute.home=" + workDir;
        ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(home)).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
        replicas.getOrDefault("network-service", List.of()).forEach(r -> stop(r.process));
        if (ownsPostgres) {
            pg.close();
        }
    }

    private static void stop(Process p) {
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
