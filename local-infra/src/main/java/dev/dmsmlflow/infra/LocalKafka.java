package dev.dmsmlflow.infra;

import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.TopicConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Kafka broker (KRaft, single node) run from the Kafka jars as a child JVM. It keeps its
 * ports and data directory across {@link #stop()} and {@link #start()}, so tests can take it away and
 * bring it back, and {@code ./dms up} keeps its data.
 * <p>
 * Every client authenticates: the client listener speaks SASL/SCRAM-SHA-512 and Kafka's {@code StandardAuthorizer}
 * denies whatever no ACL allows. Principals: {@code admin} (super user: tests, topic and ACL administration),
 * one per service of {@link TopicAccess} with ACLs to write its own topics and read what it consumes, and
 * {@code controller}: the broker's own principal (super user, SASL/PLAIN with one static user) on two loopback listeners
 * clients are never given, the controller listener and an internal listener on a port chosen at each start. The internal
 * listener carries the broker's connections to itself and is how the SCRAM users are made: they live in the metadata
 * log, so the first one cannot come through the SCRAM listener, and the admin client cannot alter SCRAM users
 * through the controller listener. Passwords are {@link LocalSecrets} ({@code kafka-admin}, {@code kafka-controller},
 * {@code kafka-<service>}); the broker's configuration file, which holds the controller's password, is readable by its
 * owner only.
 */
public final class LocalKafka implements AutoCloseable {

    /** The SASL mechanism of the client listener. */
    public static final String MECHANISM = "SCRAM-SHA-512";
    /** The super user of the client listener. */
    public static final String ADMIN = "admin";
    /** The broker's own principal (super user, SASL/PLAIN) on the controller and internal listeners. */
    static final String CONTROLLER_USER = "controller";

    private static final String CLASSPATH_RESOURCE = "kafka-broker.classpath";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** Partitions of the contracts' topics: contracts/topics.properties with this JVM's overrides. */
    private final TopicConfig topicConfig = TopicConfig.fromEnvironment();
    private static final OncePerJvm<LocalKafka> SHARED = new OncePerJvm<>("Kafka broker", () -> {
        Path dir = Files.createTempDirectory("dms-kafka-");
        LocalKafka kafka = new LocalKafka(dir, freePort(), freePort(), LocalSecrets.inMemory());
        Runtime.getRuntime().addShutdownHook(TempDirs.afterStopping(kafka::close, dir, "dms-kafka-stop"));
        kafka.start();
        return kafka;
    });

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final LocalSecrets secrets;
    private final Quorum quorum;
    private Process process;
    private int internalPort;

    /**
     * Where a broker sits: its node id, the controller quorum's voters ({@code id@host:port,...}; null for a node that is
     * its own quorum, formatted {@code --standalone}), and the replication of the topics it creates: {@code replicas}
     * copies of each partition, of which {@code minInsync} must hold a write before it is acknowledged ({@code acks=all}).
     */
    record Quorum(int nodeId, String voters, int replicas, int minInsync) {
        /** One broker, its own quorum, one copy of everything. */
        static final Quorum SINGLE = new Quorum(1, null, 1, 1);
    }

    private LocalKafka(Path dir, int port, int controllerPort, LocalSecrets secrets) {
        this(dir, port, controllerPort, secrets, Quorum.SINGLE);
    }

    LocalKafka(Path dir, int port, int controllerPort, LocalSecrets secrets, Quorum quorum) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.secrets = secrets;
        this.quorum = quorum;
    }

    /** The broker of this JVM: started on first use on free ports with a throw-away data directory. */
    public static LocalKafka shared() {
        return SHARED.get();
    }

    /** A broker on fixed ports whose data lives in {@code dir}, its passwords in {@code secrets}; call {@link #start()} to run it. */
    public static LocalKafka at(Path dir, int port, int controllerPort, LocalSecrets secrets) {
        return new LocalKafka(dir, port, controllerPort, secrets);
    }

    /** Name of the password of Kafka user {@code user} among the {@link LocalSecrets}. */
    public static String secretName(String user) {
        return "kafka-" + user;
    }

    /** The password of {@code user} ({@link #ADMIN} or a service of {@link TopicAccess}). */
    public String password(String user) {
        if (!ADMIN.equals(user) && TopicAccess.of(user).isEmpty()) {
            throw new IllegalArgumentException("no Kafka user " + user);
        }
        return secrets.password(secretName(user));
    }

    /** The {@code sasl.jaas.config} of a SCRAM client logging in as {@code user} with {@code password}. */
    public static String jaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /**
     * Everything a client needs to reach this broker as {@code user}: {@code bootstrap.servers}, {@code security.protocol},
     * {@code sasl.mechanism} and {@code sasl.jaas.config}.
     */
    public Map<String, Object> clientProperties(String user) {
        Map<String, Object> p = new HashMap<>();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, MECHANISM);
        p.put(SaslConfigs.SASL_JAAS_CONFIG, jaasConfig(user, password(user)));
        return p;
    }

    /** {@link #clientProperties(String)} of the super user {@link #ADMIN}. */
    public Map<String, Object> adminProperties() {
        return clientProperties(ADMIN);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The port of this node's controller listener. */
    public int controllerPort() {
        return controllerPort;
    }

    /** This broker's node id (1 for a single broker). */
    public int nodeId() {
        return quorum.nodeId();
    }

    /** The broker's configuration file (owner only: it holds the controller's and the super user's passwords). */
    public Path configFile() {
        return dir.resolve("server.properties");
    }

    /** The broker's log. */
    public Path logFile() {
        return dir.resolve("broker.log");
    }

    /** The broker's process while this object runs it. */
    public synchronized java.util.Optional<ProcessHandle> brokerProcess() {
        return process == null ? java.util.Optional.empty() : java.util.Optional.of(process.toHandle());
    }

    /** The broker's exit code once it exited on its own (a crash or a kill), or -1. */
    public synchronized int exitCode() {
        return process != null && !process.isAlive() ? process.exitValue() : -1;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the broker (formatting its storage the first time) and returns once it answers admin requests. */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        finishStart(launch(null));
    }

    /**
     * Starts the broker's process (formatting its storage the first time with {@code clusterId}, a random one when null)
     * without waiting for it; returns whether the storage was new. A node of a cluster is launched together with the
     * others, since none answers before a majority of the controller quorum runs ({@link LocalKafkaCluster}).
     */
    synchronized boolean launch(String clusterId) {
        try {
            Files.createDirectories(dir);
            Path config = writeConfig();
            boolean fresh = !Files.exists(dir.resolve("data").resolve("meta.properties"));
            if (fresh) {
                format(config, clusterId == null ? Uuid.randomUuid().toString() : clusterId);
            }
            process = launch(List.of("kafka.Kafka", config.toString()), dir.resolve("broker.log"));
            return fresh;
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka broker did not start in " + dir, e);
        }
    }

    /** Waits until the launched broker lets the super user in, then sets up the principals, ACLs and topics. */
    synchronized void finishStart(boolean fresh) {
        try {
            awaitReady(fresh);
            grantAccess();
        } catch (RuntimeException e) {
            stop(); // never leave a broker behind that nobody can use
            throw e;
        }
    }

    /** Waits until the launched broker lets the super user in (no principals, ACLs or topics made). */
    synchronized void awaitStarted(boolean fresh) {
        try {
            awaitReady(fresh);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Kills the broker's process at once (SIGKILL: no controlled shutdown) and waits until it is gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the broker to stop (SIGTERM) without waiting; {@link #stop()} waits. */
    synchronized void signalStop() {
        if (process != null) {
            process.destroy();
        }
    }

    /** Stops the broker gracefully (SIGTERM, controlled shutdown), forcing it after 30 s. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Processes.stop(process, 30);
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private Path writeConfig() throws IOException {
        internalPort = freePort();
        String brokerLogin = plainJaas(true);
        String props = String.join("\n",
                "process.roles=broker,controller",
                "node.id=" + quorum.nodeId(),
                "listeners=CLIENT://127.0.0.1:" + port + ",INTERNAL://127.0.0.1:" + internalPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=CLIENT://127.0.0.1:" + port + ",INTERNAL://127.0.0.1:" + internalPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=INTERNAL",
                "listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
                // clients: SCRAM only (the server side checks the credentials of the metadata log; it logs in as nobody)
                "listener.name.client.sasl.enabled.mechanisms=" + MECHANISM,
                "listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
                // the broker's own listeners: PLAIN with one static user, the broker itself
                "listener.name.internal.sasl.enabled.mechanisms=PLAIN",
                "sasl.mechanism.inter.broker.protocol=PLAIN",
                "listener.name.internal.plain.sasl.jaas.config=" + brokerLogin,
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config=" + brokerLogin,
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found=false",
                "super.users=User:" + CONTROLLER_USER + ";User:" + ADMIN,
                quorum.voters() == null ? "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort
                        : "controller.quorum.voters=" + quorum.voters(),
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=3",
                // only principals allowed to CREATE (the super users) can auto-create a topic
                "auto.create.topics.enable=true",
                // every topic, auto-created ones and the brokers' own included, has the quorum's copies; an acks=all write
                // needs minInsync of them
                "default.replication.factor=" + quorum.replicas(),
                "min.insync.replicas=" + quorum.minInsync(),
                "offsets.topic.replication.factor=" + quorum.replicas(),
                "offsets.topic.num.partitions=5",
                "transaction.state.log.replication.factor=" + quorum.replicas(),
                "transaction.state.log.min.isr=" + quorum.minInsync(),
                "share.coordinator.state.topic.replication.factor=" + quorum.replicas(),
                "share.coordinator.state.topic.min.isr=" + quorum.minInsync(),
                "group.initial.rebalance.delay.ms=0",
                "");
        Path config = dir.resolve("server.properties");
        // it holds passwords: owner only, before anything is written to it
        Files.deleteIfExists(config);
        try {
            Files.createFile(config, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(config);
        }
        Files.writeString(config, props, StandardCharsets.UTF_8);
        return config;
    }

    private void format(Path config, String clusterId) throws IOException {
        List<String> args = new ArrayList<>(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString()));
        if (quorum.voters() == null) {
            args.add("--standalone"); // its own quorum; a cluster's voters are in its configuration (a static quorum)
        }
        Process fmt = launch(args, dir.resolve("format.log"));
        try {
            if (!fmt.waitFor(60, TimeUnit.SECONDS) || fmt.exitValue() != 0) {
                fmt.destroyForcibly();
                throw new IllegalStateException("formatting Kafka storage failed: " + tail(dir.resolve("format.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting Kafka storage", e);
        }
    }

    private Process launch(List<String> mainAndArgs, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xms128m");
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-cp");
        cmd.add(brokerClasspath());
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /**
     * Waits until the broker answers on its internal listener, gives the super user {@link #ADMIN} its SCRAM credential
     * there, then waits until the client listener lets {@link #ADMIN} in (the credential reaches the broker through the
     * metadata log).
     */
    private void awaitReady(boolean fresh) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Exception last = null;
        boolean adminCredential = false;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka broker exited with " + process.exitValue() + ": "
                        + tail(dir.resolve("broker.log")));
            }
            try {
                if (!adminCredential && portOpen(internalPort)) {
                    try (Admin internal = Admin.create(internalAdminProperties())) {
                        internal.describeCluster().nodes().get(5, TimeUnit.SECONDS); // the broker serves its metadata
                        // a restarted broker knows the super user already: its credential is only replaced when it does not
                        // let the super user in (a password changed under secrets/); a new one has no SCRAM user at all
                        if (fresh || !portOpen(port) || !clusterAnswers()) {
                            internal.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(ADMIN,
                                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password(ADMIN)))).all().get(5, TimeUnit.SECONDS);
                        }
                        adminCredential = true;
                    }
                }
                if (adminCredential && portOpen(port) && clusterAnswers()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka", e);
            }
        }
        throw new IllegalStateException("Kafka broker not ready after " + START_TIMEOUT + " (last: " + last + "): "
                + tail(dir.resolve("broker.log")));
    }

    /** The broker's own login on its PLAIN listeners; with {@code server} also the one user those listeners accept. */
    private String plainJaas(boolean server) {
        String password = secrets.password(secretName(CONTROLLER_USER));
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + CONTROLLER_USER
                + "\" password=\"" + password + "\"" + (server ? " user_" + CONTROLLER_USER + "=\"" + password + "\"" : "") + ";";
    }

    private Map<String, Object> internalAdminProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + internalPort);
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        p.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        p.put(SaslConfigs.SASL_JAAS_CONFIG, plainJaas(false));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        return p;
    }

    private boolean portOpen(int p) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", p), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private boolean clusterAnswers() {
        Map<String, Object> p = adminProperties();
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(p)) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Gives every service of {@link TopicAccess} its SCRAM credential and exactly its ACLs (anything else granted to its
     * principal is removed), and creates the contracts' topics, dead-letter topics included, with the partitions of
     * {@link TopicConfig} ({@link #ensureTopics}).
     */
    private void grantAccess() {
        try (Admin admin = Admin.create(adminProperties())) {
            List<UserScramCredentialUpsertion> users = new ArrayList<>();
            for (TopicAccess access : TopicAccess.all()) {
                users.add(new UserScramCredentialUpsertion(access.service(),
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password(access.service())));
            }
            admin.alterUserScramCredentials(new ArrayList<>(users)).all().get(30, TimeUnit.SECONDS);
            Set<AclBinding> wanted = new HashSet<>();
            for (TopicAccess access : TopicAccess.all()) {
                wanted.addAll(acls(access));
            }
            Set<AclBinding> existing = new HashSet<>();
            for (TopicAccess access : TopicAccess.all()) {
                existing.addAll(admin.describeAcls(new AclBindingFilter(ResourcePatternFilter.ANY,
                        new AccessControlEntryFilter("User:" + access.service(), null, AclOperation.ANY, AclPermissionType.ANY)))
                        .values().get(30, TimeUnit.SECONDS));
            }
            List<AclBindingFilter> stale = existing.stream().filter(b -> !wanted.contains(b)).map(AclBinding::toFilter).toList();
            if (!stale.isEmpty()) {
                admin.deleteAcls(stale).all().get(30, TimeUnit.SECONDS);
            }
            List<AclBinding> missing = wanted.stream().filter(b -> !existing.contains(b)).toList();
            if (!missing.isEmpty()) {
                admin.createAcls(missing).all().get(30, TimeUnit.SECONDS);
            }
            ensureTopics(admin, topicConfig.all(), quorum.replicas(), quorum.minInsync());
        } catch (Exception e) {
            throw new IllegalStateException("could not set up the Kafka principals and ACLs: " + e, e);
        }
    }

    /**
     * Creates every topic of {@code partitions} (topic -> partitions; {@link TopicConfig#all()}) that does not exist yet,
     * with {@code replicas} copies of each partition and {@code min.insync.replicas} = {@code minInsync}, and adds
     * partitions to one that has fewer (a broker from before the configuration); a topic is never shrunk.
     */
    static void ensureTopics(Admin admin, Map<String, Integer> partitions, int replicas, int minInsync) throws Exception {
        Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> create = partitions.entrySet().stream().filter(t -> !topics.contains(t.getKey()))
                .map(t -> new NewTopic(t.getKey(), java.util.Optional.of(t.getValue()), java.util.Optional.of((short) replicas))
                        .configs(Map.of("min.insync.replicas", String.valueOf(minInsync)))).toList();
        if (!create.isEmpty()) {
            try {
                admin.createTopics(create).all().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw e;
                }
            }
        }
        List<String> existing = partitions.keySet().stream().filter(topics::contains).toList();
        if (existing.isEmpty()) {
            return;
        }
        Map<String, org.apache.kafka.clients.admin.NewPartitions> grow = new HashMap<>();
        admin.describeTopics(existing).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, description) -> {
            int wanted = partitions.get(name);
            if (description.partitions().size() < wanted) {
                grow.put(name, org.apache.kafka.clients.admin.NewPartitions.increaseTo(wanted));
                System.out.printf("kafka     topic %s: %d -> %d partitions (keys move between partitions once)%n", name,
                        description.partitions().size(), wanted);
            }
        });
        if (!grow.isEmpty()) {
            admin.createPartitions(grow).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** The ACLs of one service: WRITE on the topics it publishes, READ on those it consumes and on its groups. */
    static Collection<AclBinding> acls(TopicAccess access) {
        String principal = "User:" + access.service();
        List<AclBinding> acls = new ArrayList<>();
        for (String topic : access.writes()) {
            acls.add(allow(ResourceType.TOPIC, topic, principal, AclOperation.WRITE));
        }
        for (String topic : access.reads()) {
            acls.add(allow(ResourceType.TOPIC, topic, principal, AclOperation.READ));
        }
        // its consumer groups: every group whose name starts with the service's group (a test may run its own)
        access.group().ifPresent(g -> acls.add(allow(ResourceType.GROUP, g, PatternType.PREFIXED, principal, AclOperation.READ)));
        return acls;
    }

    private static AclBinding allow(ResourceType type, String name, String principal, AclOperation operation) {
        return allow(type, name, PatternType.LITERAL, principal, operation);
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, String principal, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    /** The broker's classpath: the Kafka jars listed at build time by the dependency plugin. */
    static String brokerClasspath() {
        try (InputStream in = LocalKafka.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + CLASSPATH_RESOURCE + "; rebuild local-infra");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ports {@link #freePort()} handed out in this JVM: the operating system may offer a closed port again at once. */
    private static final java.util.Set<Integer> ISSUED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A loopback port nothing listens on now and that this JVM has not handed out before (two ports asked for one after
     * the other, e.g. a broker's client and internal listeners, could otherwise be the same one).
     */
    static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (ISSUED.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port that this JVM has not handed out already");
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
