package dev.dmsmlflow.network.messaging;

import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.KafkaClientProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * Reads {@code dms.instance} with a plain Kafka consumer on its own thread. Offsets are committed only after the
 * handler's transaction committed, so a crash means redelivery, which the inbox absorbs. A record whose handling fails
 * is retried from the same offset after a pause, keeping one instance's events in order.
 */
@ApplicationScoped
public class InstanceEventsConsumer {

    private static final Logger LOG = Logger.getLogger(InstanceEventsConsumer.class);

    private final InstanceEventsHandler handler;
    private final NetworkConfig config;
    private final KafkaClientProperties kafka;
    private final MeterRegistry meters;
    private volatile boolean running;
    private volatile KafkaConsumer<String, String> consumer;
    private Thread thread;

    public InstanceEventsConsumer(InstanceEventsHandler handler, NetworkConfig config, MeterRegistry meters,
                                  KafkaClientProperties kafka) {
        this.handler = handler;
        this.config = config;
        this.meters = meters;
        this.kafka = kafka;
    }

    void onStart(@Observes @Priority(20) StartupEvent event) {
        if (!config.consumer().enabled()) {
            LOG.info("instance event consumer disabled");
            return;
        }
        ensureTopic();
        Properties p = new Properties();
        p.putAll(kafka.toMap()); // bootstrap servers and the service's own SASL login
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumer().groupId());
        // a crashed member's partitions move to its restarted successor after 10 s, not Kafka's default 45 s
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(p);
        consumer.subscribe(List.of(Topics.INSTANCE));
        running = true;
        thread = new Thread(this::loop, "network-instance-events");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("consuming %s as group %s", Topics.INSTANCE, config.consumer().groupId());
    }

    /**
     * Creates the topic it consumes if it does not exist yet (a development broker without it). Where topics are made by
     * the operator, as by {@code ./dms up}, the service may not create topics (no ACL allows it) and finds it there.
     */
    private void ensureTopic() {
        try (Admin admin = Admin.create(kafka.toMap())) {
            if (admin.listTopics().names().get().contains(Topics.INSTANCE)) {
                return;
            }
            admin.createTopics(List.of(new NewTopic(Topics.INSTANCE, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warnf("could not create topic %s: %s", Topics.INSTANCE, e.getCause().toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        KafkaConsumer<String, String> c = consumer;
        try {
            while (running) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(500));
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<String, String> r : records.records(tp)) {
                        if (!running) {
                            return;
                        }
                        if (!handleWithRetry(r)) {
                            // not handled: rewind so the next poll delivers it again
                            c.seek(tp, r.offset());
                            break;
                        }
                        c.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            LOG.error("instance event consumer stopped", e);
        } finally {
            c.close(Duration.ofSeconds(5));
        }
    }

    /** True when the record is done with (handled, duplicate or deliberately skipped); false to retry later. */
    private boolean handleWithRetry(ConsumerRecord<String, String> r) {
        CloudEventEnvelope envelope = CloudEventEnvelope.of(r);
        try {
            handler.handle(envelope);
            return true;
        } catch (Exception e) {
            meters.counter("dms.network.instance.events.failures", "type", String.valueOf(envelope.type())).increment();
            LOG.errorf(e, "handling %s %s (offset %d) failed; retrying in %s", envelope.type(), envelope.id(), r.offset(),
                    config.consumer().retryBackoff());
            try {
                Thread.sleep(config.consumer().retryBackoff().toMillis());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                running = false;
            }
            return false;
        }
    }

    /** Whether the consumer thread is polling (false also when disabled). */
    public boolean isRunning() {
        Thread t = thread;
        return running && t != null && t.isAlive();
    }

    public boolean isEnabled() {
        return config.consumer().enabled();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
