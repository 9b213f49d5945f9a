package dev.dmsmlflow.infra;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The infrastructure `./dms up` runs heals itself: a Kafka broker or a PostgreSQL killed with SIGKILL is restarted on its
 * port with its data (a record produced before the kill is consumed after it, a row committed before the kill is read
 * after it), and a SIGTERM still stops everything with nothing left behind.
 */
class SupervisionIT {

    @Test
    void aKilledBrokerAndAKilledPostmasterComeBackWithTheirData(@TempDir Path dir) throws Exception {
        int pgPort = freePort();
        int kafkaPort = freePort();
        int controllerPort = freePort();
        try (Infra infra = new Infra(dir, pgPort, "--kafka-port", Integer.toString(kafkaPort),
                "--controller-port", Integer.toString(controllerPort))) {
            infra.await(l -> l.startsWith("READY"), Duration.ofMinutes(2));
            LocalKafka kafka = LocalKafka.at(dir.resolve("kafka"), kafkaPort, controllerPort, LocalSecrets.inDirectory(dir.resolve("secrets")));
            String pgPassword = Files.readString(dir.resolve("secrets").resolve("postgres-instance_service")).trim();
            String jdbc = "jdbc:postgresql://127.0.0.1:" + pgPort + "/instance_service";

            // --- Kafka: a record acknowledged by the broker before its SIGKILL is there after the restart
            try (Admin admin = Admin.create(kafka.adminProperties())) {
                admin.createTopics(List.of(new NewTopic("supervised", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Map<String, Object> producerProps = new HashMap<>(kafka.adminProperties());
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps)) {
                producer.send(new ProducerRecord<>("supervised", "k", "before the kill")).get(30, TimeUnit.SECONDS);
            }
            ProcessHandle broker = infra.process.descendants()
                    .filter(p -> commandLine(p).contains("kafka.Kafka"))
                    .findFirst().orElseThrow(() -> new AssertionError("no broker process under LocalInfraMain"));
            assertTrue(broker.destroyForcibly(), "SIGKILL sent to the broker");
            broker.onExit().get(30, TimeUnit.SECONDS);
            infra.await(l -> l.startsWith("kafka") && l.contains("is not running"), Duration.ofSeconds(30));
            infra.await(l -> l.startsWith("kafka") && l.contains("restarted in"), Duration.ofMinutes(2));
            assertFalse(infra.process.descendants().anyMatch(p -> p.pid() == broker.pid()), "the killed broker is gone");
            Map<String, Object> consumerProps = new HashMap<>(kafka.adminProperties());
            consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "supervision-it");
            consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps)) {
                consumer.subscribe(List.of("supervised"));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (values.isEmpty() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        values.add(r.value());
                    }
                }
            }
            assertEquals(List.of("before the kill"), values, "the restarted broker serves what it acknowledged before the kill");

            // --- PostgreSQL: a row committed before the postmaster's SIGKILL is there after the restart (crash recovery)
            try (Connection c = DriverManager.getConnection(jdbc, "instance_service", pgPassword); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE supervised (note text)");
                s.execute("INSERT INTO supervised VALUES ('before the kill')");
            }
            long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
            ProcessHandle pm = ProcessHandle.of(postmaster).orElseThrow(() -> new AssertionError("no postmaster " + postmaster));
            assertTrue(pm.destroyForcibly(), "SIGKILL sent to the postmaster");
            pm.onExit().get(30, TimeUnit.SECONDS);
            infra.await(l -> l.startsWith("postgres") && l.contains("is not running"), Duration.ofSeconds(30));
            infra.await(l -> l.startsWith("postgres") && l.contains("restarted in"), Duration.ofMinutes(1));
            try (Connection c = DriverManager.getConnection(jdbc, "instance_service", pgPassword); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT note FROM supervised")) {
                assertTrue(rs.next());
                assertEquals("before the kill", rs.getString(1));
                // it is the durable server it was, not a throw-away one
                try (ResultSet fsync = c.createStatement().executeQuery("SHOW fsync")) {
                    fsync.next();
                    assertEquals("on", fsync.getString(1));
                }
            }
            long newPostmaster = Long.parseLong(Files.readAllLines(dir.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
            assertTrue(newPostmaster != postmaster, "a new postmaster runs");
            assertTrue(infra.process.isAlive(), "LocalInfraMain kept running through both restarts");

            // --- a deliberate stop is not a crash: nothing is restarted, nothing is left behind
            infra.stop(Duration.ofSeconds(60));
            // LocalInfraMain only exits once the postmaster it runs has (it does not leave a server behind)
            assertFalse(ProcessHandle.of(newPostmaster).map(ProcessHandle::isAlive).orElse(false),
                    () -> "the postmaster stopped:\n" + infra.output());
            assertEquals(2, infra.count(l -> l.contains("is not running")),
                    () -> "exactly the two kills were restarts:\n" + infra.output());
        }
    }

    /**
     * {@code ./dms up --cluster}'s infrastructure: LocalInfraMain with {@code --kafka-nodes 3} runs three brokers on
     * consecutive port pairs, the contracts' topics on all three; a node killed with SIGKILL is restarted by the supervisor
     * and rejoins (every partition back to 3 in sync); SIGTERM stops all three.
     */
    @Test
    void theClusterOfDmsUpClusterHasThreeBrokersAndAKilledOneRejoins(@TempDir Path dir) throws Exception {
        int pgPort = freePort();
        int base = freePortRun(6);
        try (Infra infra = new Infra(dir, pgPort, "--kafka-port", Integer.toString(base),
                "--controller-port", Integer.toString(base + 1), "--kafka-nodes", "3")) {
            infra.await(l -> l.startsWith("READY"), Duration.ofMinutes(3));
            assertTrue(infra.count(l -> l.startsWith("kafka") && l.contains("127.0.0.1:" + base + ",127.0.0.1:" + (base + 2)
                    + ",127.0.0.1:" + (base + 4)) && l.contains("3 brokers")) > 0, infra::output);
            LocalKafkaCluster cluster = LocalKafkaCluster.at(dir.resolve("kafka-cluster"), new int[]{base, base + 2, base + 4},
                    new int[]{base + 1, base + 3, base + 5}, LocalSecrets.inDirectory(dir.resolve("secrets")));
            String topic = dev.dmsmlflow.contracts.Topics.INSTANCE;
            assertTrue(cluster.awaitPartitions(topic, p -> p.replicas().size() == 3 && p.isr().size() == 3, Duration.ofSeconds(30)),
                    () -> cluster.describe(topic).toString());

            ProcessHandle node2 = infra.process.descendants()
                    .filter(p -> commandLine(p).contains("kafka.Kafka") && commandLine(p).contains("node-2"))
                    .findFirst().orElseThrow(() -> new AssertionError("no node-2 broker under LocalInfraMain"));
            assertTrue(node2.destroyForcibly(), "SIGKILL sent to node 2");
            node2.onExit().get(30, TimeUnit.SECONDS);
            infra.await(l -> l.startsWith("kafka-2") && l.contains("is not running"), Duration.ofSeconds(30));
            infra.await(l -> l.startsWith("kafka-2") && l.contains("restarted in"), Duration.ofMinutes(2));
            assertTrue(cluster.awaitPartitions(topic, p -> p.isr().size() == 3, Duration.ofSeconds(90)),
                    () -> "node 2 back in sync: " + cluster.describe(topic));

            assertEquals(3, infra.process.descendants().filter(p -> commandLine(p).contains("kafka.Kafka")).count(), "three brokers run");
            infra.stop(Duration.ofSeconds(90));
            assertEquals(1, infra.count(l -> l.contains("is not running")),
                    () -> "only the kill was a restart:\n" + infra.output());
        }
    }

    /** The first of {@code n} consecutive free ports. */
    private static int freePortRun(int n) throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            int first = freePort();
            if (first + n > 65535) {
                continue;
            }
            boolean free = true;
            for (int p = first + 1; p < first + n && free; p++) {
                try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                    s.setReuseAddress(true);
                } catch (java.io.IOException e) {
                    free = false;
                }
            }
            if (free) {
                return first;
            }
        }
        throw new IllegalStateException("no run of " + n + " free ports");
    }

    /**
     * LocalInfraMain (the infrastructure of {@code ./dms up}) in a child JVM with its data under {@code dir}, for
     * instance-service's account, its output read line by line as it comes; closing it kills whatever is left of it.
     */
    private static final class Infra implements AutoCloseable {

        final Process process;
        private final Path dir;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;

        Infra(Path dir, int pgPort, String... kafkaArgs) throws IOException {
            this.dir = dir;
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), LocalInfraMain.class.getName(),
                    "--dir", dir.toString(), "--pg-port", Integer.toString(pgPort)));
            command.addAll(List.of(kafkaArgs));
            command.addAll(List.of("--services", "instance-service"));
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        seen.add(line);
                        lines.add(line);
                    }
                } catch (Exception ignored) {
                    // the process ended
                }
            }, "infra-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits for the next line {@code wanted} accepts; fails showing every line so far when none comes in time. */
        void await(Predicate<String> wanted, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    fail("no such line from LocalInfraMain within " + timeout + ":\n" + output());
                }
                if (wanted.test(line)) {
                    return;
                }
            }
        }

        /** SIGTERM; then it, every process it ran and its output must end. */
        void stop(Duration timeout) throws Exception {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroy();
            assertTrue(process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), "LocalInfraMain stops on SIGTERM");
            for (ProcessHandle child : children) {
                child.onExit().get(30, TimeUnit.SECONDS);
            }
            reader.join(10_000);
        }

        long count(Predicate<String> wanted) {
            synchronized (seen) {
                return seen.stream().filter(wanted).count();
            }
        }

        String output() {
            synchronized (seen) {
                return String.join("\n", seen);
            }
        }

        @Override
        public void close() throws IOException {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            Path pid = dir.resolve("postgres").resolve("postmaster.pid");
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readAllLines(pid).get(0).trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** The process's arguments as /proc has them (ProcessHandle.Info leaves out long command lines). */
    private static String commandLine(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (Exception e) {
            return "";
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
