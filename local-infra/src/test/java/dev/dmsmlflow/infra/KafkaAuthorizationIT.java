package dev.dmsmlflow.infra;

import dev.dmsmlflow.contracts.TopicAccess;
import dev.dmsmlflow.contracts.Topics;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attacks of issue 8 on the local Kafka broker, tried from this host: a client needs credentials, and a service's only open its own topics. */
class KafkaAuthorizationIT {

    private final LocalKafka kafka = LocalKafka.shared();

    @Test
    void aClientWithoutCredentialsCanNeitherProduceNorConsume() throws Exception {
        String marker = "secret-" + UUID.randomUUID();
        send(kafka.adminProperties(), Topics.INSTANCE, marker);

        Map<String, Object> anonymous = new HashMap<>();
        anonymous.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        anonymous.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 3000);
        ExecutionException e = assertThrows(ExecutionException.class, () -> send(anonymous, Topics.INSTANCE, "forged InstanceReleaseRequested"));
        assertInstanceOf(TimeoutException.class, e.getCause(), "a PLAINTEXT client never gets past the SASL listener");
        assertTrue(read(anonymous, Topics.INSTANCE, "g-" + UUID.randomUUID(), Duration.ofSeconds(5)).isEmpty(), "nothing read");

        Map<String, Object> wrongPassword = kafka.clientProperties(TopicAccess.NETWORK_SERVICE);
        wrongPassword.put(SaslConfigs.SASL_JAAS_CONFIG, LocalKafka.jaasConfig(TopicAccess.INSTANCE_SERVICE, "guessed"));
        wrongPassword.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        Throwable refused = assertThrows(Exception.class, () -> send(wrongPassword, Topics.INSTANCE, "forged"));
        assertTrue(refused instanceof AuthenticationException || refused.getCause() instanceof AuthenticationException, refused.toString());
        assertThrows(AuthenticationException.class, () -> read(wrongPassword, Topics.INSTANCE, "g-" + UUID.randomUUID(), Duration.ofSeconds(10)));
    }

    @Test
    void networkServiceWritesOnlyItsOwnTopicAndReadsOnlyWhatItConsumes() throws Exception {
        Map<String, Object> network = kafka.clientProperties(TopicAccess.NETWORK_SERVICE);
        send(network, Topics.NETWORK, "its own topic");
        ExecutionException forged = assertThrows(ExecutionException.class, () -> send(network, Topics.INSTANCE, "forged InstanceReleaseRequested"));
        assertInstanceOf(TopicAuthorizationException.class, forged.getCause());
        ExecutionException usage = assertThrows(ExecutionException.class, () -> send(network, Topics.USAGE, "forged usage"));
        assertInstanceOf(TopicAuthorizationException.class, usage.getCause());

        String marker = "instance-" + UUID.randomUUID();
        send(kafka.clientProperties(TopicAccess.INSTANCE_SERVICE), Topics.INSTANCE, marker);
        assertTrue(read(network, Topics.INSTANCE, TopicAccess.NETWORK_SERVICE, Duration.ofSeconds(30)).contains(marker), "reads what it consumes");
        assertThrows(GroupAuthorizationException.class, () -> read(network, Topics.INSTANCE, "another-group", Duration.ofSeconds(10)));
        assertThrows(TopicAuthorizationException.class, () -> read(network, Topics.USAGE, TopicAccess.NETWORK_SERVICE, Duration.ofSeconds(10)));
    }

    @Test
    void everyServiceMayWriteExactlyItsTopics() throws Exception {
        for (TopicAccess access : TopicAccess.all()) {
            Map<String, Object> client = kafka.clientProperties(access.service());
            client.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            for (String topic : TopicAccess.topics()) {
                if (access.writes().contains(topic)) {
                    send(client, topic, "from " + access.service());
                } else {
                    Exception e = assertThrows(Exception.class, () -> send(client, topic, "forged"), access.service() + " -> " + topic);
                    Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                    assertTrue(cause instanceof TopicAuthorizationException
                            || cause instanceof org.apache.kafka.common.errors.ClusterAuthorizationException, access.service() + " -> " + topic + ": " + cause);
                }
            }
        }
    }

    @Test
    void theBrokersConfigurationIsTheOwnersOnlyAndClientsLogThePasswordAsHidden() throws Exception {
        Path serverProperties = kafka.configFile();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(serverProperties)));
        String password = kafka.password(TopicAccess.INSTANCE_SERVICE);
        ProducerConfig logged = new ProducerConfig(withSerializers(kafka.clientProperties(TopicAccess.INSTANCE_SERVICE)));
        // AbstractConfig.logAll() prints each value's toString(): a Password type is "[hidden]"
        assertEquals("[hidden]", String.valueOf(logged.values().get(SaslConfigs.SASL_JAAS_CONFIG)));
        assertFalse(String.valueOf(logged.values()).contains(password));
        assertFalse(Files.readString(kafka.logFile()).contains(password), "the broker log");
    }

    /** A broker directory from before (PLAINTEXT, no ACLs) keeps its records when LocalKafka starts it with SASL. */
    @Test
    void aPlaintextEraDataDirectoryKeepsItsRecords(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        int port = LocalKafka.freePort();
        int controllerPort = LocalKafka.freePort();
        Files.writeString(dir.resolve("server.properties"), String.join("\n",
                "process.roles=broker,controller", "node.id=1",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port, "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort, "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1", "share.coordinator.state.topic.min.isr=1", ""));
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process format = new ProcessBuilder(javaBin, "-cp", LocalKafka.brokerClasspath(), "kafka.tools.StorageTool", "format", "-t",
                org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", dir.resolve("server.properties").toString(), "--standalone")
                .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        assertEquals(0, format.waitFor());
        Process old = new ProcessBuilder(javaBin, "-Xmx256m", "-cp", LocalKafka.brokerClasspath(), "kafka.Kafka", dir.resolve("server.properties").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("old-broker.log").toFile()).start();
        try {
            Map<String, Object> plaintext = new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port));
            plaintext.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
            send(plaintext, Topics.INSTANCE, "written before the upgrade");
        } finally {
            old.destroy();
            assertTrue(old.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        }

        try (LocalKafka upgraded = LocalKafka.at(dir, port, controllerPort, LocalSecrets.inDirectory(dir.resolve("secrets")))) {
            upgraded.start();
            assertEquals(List.of("written before the upgrade"),
                    read(upgraded.clientProperties(TopicAccess.NETWORK_SERVICE), Topics.INSTANCE, TopicAccess.NETWORK_SERVICE, Duration.ofSeconds(30)));
            Map<String, Object> anonymous = new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, upgraded.bootstrapServers()));
            anonymous.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 3000);
            assertThrows(ExecutionException.class, () -> send(anonymous, Topics.INSTANCE, "forged"));
        }
    }

    private static Map<String, Object> withSerializers(Map<String, Object> config) {
        Map<String, Object> c = new HashMap<>(config);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return c;
    }

    private static void send(Map<String, Object> config, String topic, String value) throws Exception {
        Map<String, Object> c = new HashMap<>(config);
        c.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(c, new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>(topic, "k", value)).get();
        }
    }

    private static List<String> read(Map<String, Object> config, String topic, String group, Duration timeout) {
        Map<String, Object> c = new HashMap<>(config);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                if (!values.isEmpty()) {
                    break;
                }
            }
        }
        return values;
    }
}
