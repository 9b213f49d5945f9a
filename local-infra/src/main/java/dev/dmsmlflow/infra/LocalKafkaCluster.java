package dev.dmsmlflow.infra;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A real Kafka cluster of {@code n} {@link LocalKafka} nodes, each a combined broker and controller (KRaft) in its own
 * child JVM, with a static controller quorum of all of them. Every node has the single broker's listeners, SCRAM
 * principals and ACLs (one password set, {@link LocalSecrets}); topics, the contracts' ones and auto-created ones alike,
 * have {@code min(n, 3)} copies of each partition and {@code min.insync.replicas=2} (1 with a single node), so an
 * {@code acks=all} write survives the loss of one broker, and the cluster keeps serving with 2 of 3.
 * <p>
 * {@link #shared()} starts one 3-node cluster per JVM on free ports, for the tests that ask for it (the single broker,
 * {@link LocalKafka#shared()}, stays every other test's). A node can be killed ({@link LocalKafka#kill()}) and started
 * again ({@link LocalKafka#start()}) on its ports and data, and rejoins.
 */
public final class LocalKafkaCluster implements AutoCloseable {

    /** Nodes of {@link #shared()} and of {@code ./dms up --cluster}. */
    public static final int DEFAULT_NODES = 3;
    private static final OncePerJvm<LocalKafkaCluster> SHARED = new OncePerJvm<>("Kafka cluster", () -> {
        Path dir = Files.createTempDirectory("dms-kafka-cluster-");
        int[] ports = new int[DEFAULT_NODES];
        int[] controllerPorts = new int[DEFAULT_NODES];
        for (int i = 0; i < DEFAULT_NODES; i++) {
            ports[i] = LocalKafka.freePort();
            controllerPorts[i] = LocalKafka.freePort();
        }
        LocalKafkaCluster cluster = at(dir, ports, controllerPorts, LocalSecrets.inMemory());
        Runtime.getRuntime().addShutdownHook(TempDirs.afterStopping(cluster::close, dir, "dms-kafka-cluster-stop"));
        cluster.start();
        return cluster;
    });

    private final List<LocalKafka> nodes;

    private LocalKafkaCluster(List<LocalKafka> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** The 3-node cluster of this JVM: started on first use on free ports with throw-away data directories. */
    public static LocalKafkaCluster shared() {
        return SHARED.get();
    }

    /**
     * A cluster of {@code ports.length} nodes on fixed ports (node {@code i + 1} serves clients on {@code ports[i]} and its
     * controller on {@code controllerPorts[i]}), its data under {@code dir/node-<id>}; call {@link #start()} to run it.
     */
    public static LocalKafkaCluster at(Path dir, int[] ports, int[] controllerPorts, LocalSecrets secrets) {
        if (ports.length == 0 || ports.length != controllerPorts.length) {
            throw new IllegalArgumentException("one client and one controller port per node");
        }
        int n = ports.length;
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < n; i++) {
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllerPorts[i]);
        }
        int replicas = Math.min(n, 3);
        List<LocalKafka> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(new LocalKafka(dir.resolve("node-" + (i + 1)), ports[i], controllerPorts[i], secrets,
                    new LocalKafka.Quorum(i + 1, voters.toString(), replicas, replicas > 1 ? 2 : 1)));
        }
        return new LocalKafkaCluster(nodes);
    }

    /**
     * Starts every node that is not running and returns once each lets the super user in and the principals, ACLs and
     * topics are set up. The nodes are launched together: none answers before a majority of the quorum runs.
     */
    public synchronized void start() {
        List<LocalKafka> starting = nodes.stream().filter(n -> !n.isRunning()).toList();
        if (starting.isEmpty()) {
            return;
        }
        String clusterId = clusterId();
        boolean[] fresh = new boolean[starting.size()];
        try {
            for (int i = 0; i < starting.size(); i++) {
                fresh[i] = starting.get(i).launch(clusterId);
            }
            for (int i = 0; i < starting.size(); i++) {
                starting.get(i).awaitStarted(fresh[i]);
            }
            starting.get(0).finishStart(false); // the principals, ACLs and topics live in the metadata log: once is enough
        } catch (RuntimeException e) {
            stop(); // never leave a half cluster behind
            throw e;
        }
    }

    /** The cluster id of a node formatted before (all share it), or a new one. */
    private String clusterId() {
        for (LocalKafka node : nodes) {
            Path meta = node.logFile().getParent().resolve("data").resolve("meta.properties");
            if (Files.exists(meta)) {
                try {
                    for (String line : Files.readAllLines(meta)) {
                        if (line.startsWith("cluster.id=")) {
                            return line.substring("cluster.id=".length()).trim();
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return Uuid.randomUuid().toString();
    }

    /**
     * Stops every node gracefully, all at once: a node stopped after the others would wait in vain for a quorum to
     * acknowledge its controlled shutdown.
     */
    public synchronized void stop() {
        long started = System.nanoTime();
        nodes.forEach(LocalKafka::signalStop);
        nodes.forEach(LocalKafka::stop);
        System.out.printf("kafka     cluster stopped in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public void close() {
        stop();
    }

    /** The nodes, node id 1 first. */
    public List<LocalKafka> nodes() {
        return nodes;
    }

    /** The node with id {@code id}. */
    public LocalKafka node(int id) {
        return nodes.stream().filter(n -> n.nodeId() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + id));
    }

    /** Every node's client listener, as {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return nodes.stream().map(LocalKafka::bootstrapServers).collect(Collectors.joining(","));
    }

    /** The password of {@code user} ({@link LocalKafka#ADMIN} or a service): the same on every node. */
    public String password(String user) {
        return nodes.get(0).password(user);
    }

    /** As {@link LocalKafka#clientProperties(String)}, with every node in {@code bootstrap.servers}. */
    public Map<String, Object> clientProperties(String user) {
        Map<String, Object> p = nodes.get(0).clientProperties(user);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** {@link #clientProperties(String)} of the super user. */
    public Map<String, Object> adminProperties() {
        return clientProperties(LocalKafka.ADMIN);
    }

    /** The replication of a topic's partitions as the cluster reports it now. */
    public TopicDescription describe(String topic) {
        Map<String, Object> p = adminProperties();
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(p)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
        } catch (Exception e) {
            throw new IllegalStateException("could not describe " + topic + ": " + e, e);
        }
    }

    /** The node leading partition {@code partition} of {@code topic} now. */
    public LocalKafka leaderOf(String topic, int partition) {
        TopicPartitionInfo info = describe(topic).partitions().get(partition);
        if (info.leader() == null) {
            throw new IllegalStateException(topic + "-" + partition + " has no leader");
        }
        return node(info.leader().id());
    }

    /** Waits until every partition of {@code topic} satisfies {@code condition}; false after {@code timeout}. */
    public boolean awaitPartitions(String topic, Predicate<TopicPartitionInfo> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (describe(topic).partitions().stream().allMatch(condition)) {
                    return true;
                }
            } catch (IllegalStateException e) {
                // a leader election under way: ask again
            }
            try {
                Thread.sleep(200); // polling the cluster's metadata; there is nothing to block on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
