package dev.dmsmlflow.e2e;

import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.infra.LocalKafka;
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
 */
public final class Stack implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    public final Path root;
    public final Path dir;
    public final Path workDir;
    public final LocalPostgres pg;
    public final LocalKafka kafka;
    public final String networkUrl;
    public final String instanceUrl;
    /** The management interfaces (health, metrics, OpenAPI): {@code http://127.0.0.1:<port>}. */
    public final String networkManagementUrl;
    public final String instanceManagementUrl;
    private volatile Process network;
    private final Path networkJar;
    private final Map<String, String> networkEnv;
    private final List<String> networkOptions;
    private int networkStarts = 1;
    private volatile Process instance;
    private final Path instanceJar;
    private final Map<String, String> instanceEnv;
    private final List<String> instanceOptions;
    private int instanceStarts = 1;
    private final boolean ownsPostgres;
    private final Thread hook;
    private final Map<String, String> secrets;
    private volatile Process gateway;
    /** notebook-service's URL and management URL, once {@link #startNotebookService} ran. */
    public volatile String notebookUrl;
    public volatile String notebookManagementUrl;
    private Process notebook;
    /** The api-gateway's public URL, management URL and bootstrap owner key, once {@link #startGateway} ran. */
    /** billing-service's URL and management URL, once {@link #startBilling} ran. */
    public volatile String billingUrl;
    public volatile String billingManagementUrl;
    private volatile Process billing;
    private volatile Started billingLaunch;
    private int billingStarts;
    public volatile String gatewayUrl;
    public volatile String gatewayManagementUrl;
    public volatile String bootstrapKey;

    private Stack(Path root, Path dir, LocalPostgres pg, LocalKafka kafka, int networkPort, int instancePort,
                  int networkManagementPort, int instanceManagementPort,
                  Process network, Path networkJar, Map<String, String> networkEnv, List<String> networkOptions,
                  Process instance, Path instanceJar, Map<String, String> instanceEnv,
                  List<String> instanceOptions, boolean ownsPostgres, Map<String, String> secrets) {
        this.networkJar = networkJar;
        this.networkEnv = networkEnv;
        this.networkOptions = networkOptions;
        this.ownsPostgres = ownsPostgres;
        this.secrets = secrets;
        this.instanceJar = instanceJar;
        this.instanceEnv = instanceEnv;
        this.instanceOptions = instanceOptions;
        this.root = root;
        this.dir = dir;
        this.workDir = dir.resolve("work");
        this.pg = pg;
        this.kafka = kafka;
        this.networkUrl = "http://127.0.0.1:" + networkPort;
        this.instanceUrl = "http://127.0.0.1:" + instancePort;
        this.networkManagementUrl = "http://127.0.0.1:" + networkManagementPort;
        this.instanceManagementUrl = "http://127.0.0.1:" + instanceManagementPort;
        this.network = network;
        this.instance = instance;
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
        return start(dir, Map.of());
    }

    /** As {@link #start(Path)}, with environment variables of instance-service replaced or added ({@code DMS_TRACKING_SERVER_JAR} …). */
    public static Stack start(Path dir, Map<String, String> instanceEnvOverrides) {
        return start(dir, instanceEnvOverrides, false);
    }

    /**
     * As {@link #start(Path, Map)}; with {@code durablePostgres} the stack gets its own crash-safe PostgreSQL
     * (fsync, full-page writes, synchronous commits, as {@code ./dms up} runs it) under {@code dir}, stopped with the
     * stack, instead of this JVM's throw-away test server. Benchmarks use it.
     */
    public static Stack start(Path dir, Map<String, String> instanceEnvOverrides, boolean durablePostgres) {
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
        LocalPostgres pg = durablePostgres ? LocalPostgres.start(dir.resolve("postgres"), 0, false) : LocalPostgres.shared();
        LocalKafka kafka = LocalKafka.shared();
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
        int networkPort = freePort();
        int instancePort = freePort();
        int networkManagementPort = freePort();
        int instanceManagementPort = freePort();
        String publicKey = ServiceKeys.forTests().publicKeyFile().toString();
        Map<String, String> networkEnv = Map.of(
                "DMS_HTTP_PORT", String.valueOf(networkPort),
                "DMS_MANAGEMENT_PORT", String.valueOf(networkManagementPort),
                "DMS_GATEWAY_PUBLIC_KEY_FILE", publicKey,
                "DMS_DB_URL", pg.jdbcUrl("network_service"),
                "DMS_DB_USER", "network_service",
                "DMS_DB_PASSWORD", dbPasswords.get(TopicAccess.NETWORK_SERVICE),
                "DMS_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "DMS_KAFKA_USER", TopicAccess.NETWORK_SERVICE,
                "DMS_KAFKA_PASSWORD", kafka.password(TopicAccess.NETWORK_SERVICE),
                "DMS_NETWORK_MASTER_KEY_FILE", dir.resolve("secrets").resolve("network-master-key").toString());
        // the load balancers check their tracking servers every second; a silent one is a 504 after 10 s, not 60
        List<String> networkOptions = List.of("-Ddms.network.local.health-check.interval=1s",
                "-Ddms.network.local.health-check.timeout=1s", "-Ddms.network.local.upstream-timeout=10s");
        Process network = launch(networkJar, dir.resolve("network-service.log"), networkEnv, networkOptions);
        Map<String, String> instanceEnv = new java.util.HashMap<>(Map.of(
                    "DMS_HTTP_PORT", String.valueOf(instancePort),
                    "DMS_DB_URL", pg.jdbcUrl("instance_service"),
                    "DMS_DB_USER", "instance_service",
                    "DMS_DB_PASSWORD", dbPasswords.get(TopicAccess.INSTANCE_SERVICE),
                    "DMS_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                    "DMS_KAFKA_USER", TopicAccess.INSTANCE_SERVICE,
                    "DMS_KAFKA_PASSWORD", kafka.password(TopicAccess.INSTANCE_SERVICE),
                    "DMS_NETWORK_URL", "http://127.0.0.1:" + networkPort,
                    "DMS_TRACKING_SERVER_JAR", trackingJar.toString(),
                    "DMS_WORK_DIR", dir.resolve("work").toString()));
        instanceEnv.put("DMS_SECRETS_MASTER_KEY_FILE", masterKey.toString());
        instanceEnv.put("DMS_MANAGEMENT_PORT", String.valueOf(instanceManagementPort));
        instanceEnv.put("DMS_GATEWAY_PUBLIC_KEY_FILE", publicKey);
        instanceEnv.putAll(instanceEnvOverrides);
        List<String> instanceOptions = List.of(
                // tracking servers are children of this run only: stop them with the service
                "-Ddms.compute.local.stop-on-shutdown=true",
                // quick start of each tracking server on a small machine
                "-Ddms.compute.local.jvm-options=-XX:TieredStopAtLevel=1,-XX:+UseSerialGC,-Xss512k",
                "-Ddms.saga.poll-interval=100ms");
        Process instance;
        try {
            instance = launch(instanceJar, dir.resolve("instance-service.log"), instanceEnv, instanceOptions);
        } catch (RuntimeException e) {
            network.destroyForcibly();
            throw e;
        }
        Stack stack = new Stack(root, dir, pg, kafka, networkPort, instancePort, networkManagementPort, instanceManagementPort,
                network, networkJar, networkEnv, networkOptions, instance, instanceJar, instanceEnv, instanceOptions, durablePostgres,
                secrets);
        try {
            stack.awaitReady("network-service", network, stack.networkManagementUrl, dir.resolve("network-service.log"));
            stack.awaitReady("instance-service", instance, stack.instanceManagementUrl, dir.resolve("instance-service.log"));
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
    private void awaitReady(String name, Process p, String managementBase, Path log) {
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
        env.put("DMS_INSTANCE_URL", instanceUrl);
        env.put("DMS_NETWORK_URL", networkUrl);
        if (notebookUrl != null) {
            env.put("DMS_NOTEBOOK_URL", notebookUrl);
        }
        if (billingUrl != null) {
            env.put("DMS_BILLING_URL", billingUrl);
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
        if (billing != null) {
            throw new IllegalStateException("billing-service already runs");
        }
        Started started = startService(TopicAccess.BILLING_SERVICE, "billing-service",
                Map.of("DMS_BILLING_EXPORT_DIR", dir.resolve("billing-exports").toString()), List.of());
        billing = started.process();
        billingLaunch = started;
        billingUrl = started.url();
        billingManagementUrl = started.managementUrl();
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

    /** A service this stack started after the first two: its process and where it answers. */
    /** A started service and how it was launched (to start it again the same way after a kill). */
    private record Started(Process process, String url, String managementUrl, String module, Path jar, Map<String, String> env,
                           List<String> jvmOptions) {
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
        Path log = dir.resolve(module + ".log");
        Map<String, String> all = new java.util.HashMap<>();
        all.put("DMS_HTTP_PORT", String.valueOf(port));
        all.put("DMS_MANAGEMENT_PORT", String.valueOf(managementPort));
        all.put("DMS_GATEWAY_PUBLIC_KEY_FILE", ServiceKeys.forTests().publicKeyFile().toString());
        all.put("DMS_DB_URL", pg.jdbcUrl(account.database()));
        all.put("DMS_DB_USER", account.databaseRole());
        all.put("DMS_DB_PASSWORD", dbPassword);
        all.put("DMS_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
        all.put("DMS_KAFKA_USER", service);
        all.put("DMS_KAFKA_PASSWORD", kafka.password(service));
        all.putAll(env);
        Process process = launch(jar, log, all, jvmOptions);
        String managementUrl = "http://127.0.0.1:" + managementPort;
        awaitReady(module, process, managementUrl, log);
        return new Started(process, "http://127.0.0.1:" + port, managementUrl, module, jar, Map.copyOf(all), List.copyOf(jvmOptions));
    }

    /**
     * Every secret this stack made, by what it is: the PostgreSQL superuser's and each service's database password, the
     * Kafka super user's and each service's Kafka password, instance-service's master key (once it made it).
     */
    public Map<String, String> secrets() {
        Map<String, String> all = new java.util.LinkedHashMap<>(secrets);
        Path masterKey = Path.of(instanceEnv.get("DMS_SECRETS_MASTER_KEY_FILE"));
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

    /** The process of instance-service (its children are the tracking servers). */
    public ProcessHandle instanceService() {
        return instance.toHandle();
    }

    /** Kills instance-service with SIGKILL (no shutdown: its tracking servers keep running, as after a crash). */
    public void killInstanceService() throws InterruptedException {
        instance.destroyForcibly().waitFor();
    }

    /** Starts instance-service again, on the same port, database and work directory, and waits until it is ready. */
    public void restartInstanceService() {
        if (instance.isAlive()) {
            throw new IllegalStateException("instance-service still runs");
        }
        Path log = dir.resolve("instance-service-" + (++instanceStarts) + ".log");
        instance = launch(instanceJar, log, instanceEnv, instanceOptions);
        awaitReady("instance-service", instance, instanceManagementUrl, log);
    }

    /** Kills network-service with SIGKILL (its load balancers, in its JVM, go with it, as after a crash). */
    public void killNetworkService() throws InterruptedException {
        network.destroyForcibly().waitFor();
    }

    /** Starts network-service again, on the same port and database, and waits until it is ready. */
    public void restartNetworkService() {
        if (network.isAlive()) {
            throw new IllegalStateException("network-service still runs");
        }
        Path log = dir.resolve("network-service-" + (++networkStarts) + ".log");
        network = launch(networkJar, log, networkEnv, networkOptions);
        awaitReady("network-service", network, networkManagementUrl, log);
    }

    /** Kills billing-service with SIGKILL (a crash: the poll it had not committed is delivered again to its successor). */
    public void killBilling() throws InterruptedException {
        billing.destroyForcibly().waitFor();
    }

    /** Starts billing-service again, on the same ports, database and Kafka principal, and waits until it is ready. */
    public synchronized void restartBilling() {
        if (billing.isAlive()) {
            throw new IllegalStateException("billing-service still runs");
        }
        Started b = billingLaunch;
        Path log = dir.resolve(b.module() + "-" + (++billingStarts) + ".log");
        billing = launch(b.jar(), log, b.env(), b.jvmOptions());
        awaitReady(b.module(), billing, b.managementUrl(), log);
    }

    /** The tracking-server processes of this stack (found by their work-directory marker, as instance-service finds them). */
    public List<ProcessHandle> trackingServers() {
        String home = "-Ddms.compute.home=" + workDir;
        return ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(home)).orElse(false))
                .toList();
    }

    /** The Kafka broker's process (SIGSTOP/SIGCONT it to pause the bus). */
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
        if (billing != null) {
            stop(billing);
        }
        // instance-service first (it stops its tracking servers), then network-service (its proxies go with it)
        stop(instance);
        // whatever tracking server outlived it (a killed service leaves them running by design)
        String home = "-Ddms.compute.home=" + workDir;
        ProcessHandle.allProcesses()
                .filter(h -> h.info().arguments().map(a -> List.of(a).contains(home)).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
        stop(network);
        if (ownsPostgres) {
            pg.close();
        }
    }

    private static void stop(Process p) {
        if (!p.isAlive()) {
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
