package dev.dmsmlflow.instance.messaging;

import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.Topics;
import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.instance.InstanceConfig;
import dev.dmsmlflow.instance.saga.InstanceService;
import dev.dmsmlflow.instance.saga.SagaWorker;
import dev.dmsmlflow.platform.messaging.KafkaClientProperties;
import dev.dmsmlflow.platform.quarkus.InboxGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Consumes network-service's events ({@link Topics#NETWORK}) for the instance saga. Each record is handled
 * in one transaction together with its inbox entry (dedupe by CloudEvent id); offsets are committed only
 * after that transaction, so a crash redelivers and the inbox drops the repeat. A record that fails is
 * retried (the partition is rewound to it); unknown event types are logged and counted, then skipped.
 */
@ApplicationScoped
public class NetworkEventsConsumer {

    /** Consumer name in the inbox, and the Kafka consumer group. */
    public static final String CONSUMER = "instance-service";
    private static final Logger LOG = Logger.getLogger(NetworkEventsConsumer.class);

    private final InstanceService service;
    private final SagaWorker worker;
    private final InboxGuard inbox;
    private final MeterRegistry metrics;
    private final KafkaClientProperties kafka;
    private final String groupId;
    private final EventCodec codec = new EventCodec();
    private volatile boolean running;
    private KafkaConsumer<String, String> consumer;
    private Thread thread;

    NetworkEventsConsumer(InstanceService service, SagaWorker worker, InboxGuard inbox, MeterRegistry metrics,
                          KafkaClientProperties kafka, InstanceConfig config) {
        this.service = service;
        this.worker = worker;
        this.inbox = inbox;
        this.metrics = metrics;
        this.kafka = kafka;
        this.groupId = config.consumer().groupId();
    }

    void onStart(@Observes StartupEvent event) {
        Properties p = new Properties();
        p.putAll(kafka.toMap()); // bootstrap servers and the service's own SASL login
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        // a crashed member's partitions move to its restarted successor after 10 s, not Kafka's default 45 s
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        consumer = new KafkaConsumer<>(p);
        consumer.subscribe(List.of(Topics.NETWORK));
        running = true;
        thread = new Thread(this::run, "network-events-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<String, String> r : records.records(tp)) {
                        if (!handleSafely(r)) {
                            consumer.seek(tp, r.offset()); // retry this record after a pause
                            pause();
                            break;
                        }
                        consumer.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
                    }
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (RuntimeException e) {
            LOG.error("network events consumer stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private boolean handleSafely(ConsumerRecord<String, String> r) {
        try {
            handle(r);
            return true;
        } catch (RuntimeException e) {
            LOG.warnf(e, "handling %s at %s-%d@%d failed; retrying", header(r, "ce_type"), r.topic(), r.partition(), r.offset());
            metrics.counter("dms.consumer.failures", "consumer", CONSUMER).increment();
            return false;
        }
    }

    /** Handles one record in its own transaction; public for tests that feed records directly. */
    public void handle(ConsumerRecord<String, String> r) {
        String id = header(r, "ce_id");
        String type = header(r, "ce_type");
        if (id == null || type == null) {
            LOG.warnf("record without CloudEvent id/type on %s-%d@%d skipped", r.topic(), r.partition(), r.offset());
            metrics.counter("dms.consumer.skipped", "consumer", CONSUMER, "reason", "no-cloudevent-headers").increment();
            return;
        }
        if (!handles(type)) {
            LOG.infof("event type %s (id %s) is not for instance-service; skipped", type, id);
            metrics.counter("dms.consumer.skipped", "consumer", CONSUMER, "reason", "unknown-type", "type", type).increment();
            return;
        }
        Object event;
        try {
            event = switch (type) {
                case NetworkProvisioned.TYPE -> codec.decode(NetworkProvisioned.class, r.value());
                case NetworkProvisionFailed.TYPE -> codec.decode(NetworkProvisionFailed.class, r.value());
                case BackendRegistered.TYPE -> codec.decode(BackendRegistered.class, r.value());
                default -> codec.decode(NetworkReleased.class, r.value());
            };
        } catch (IllegalArgumentException e) {
            // a payload that breaks its contract will never decode; retrying would block the partition forever
            LOG.errorf("event %s of type %s does not match its contract; skipped: %s", id, type, e.getMessage());
            metrics.counter("dms.consumer.skipped", "consumer", CONSUMER, "reason", "invalid-payload", "type", type).increment();
            return;
        }
        boolean worked = QuarkusTransaction.requiringNew().call(() -> {
            if (!inbox.firstDelivery(CONSUMER, id)) {
                LOG.debugf("event %s already processed", id);
                return false;
            }
            if (event instanceof NetworkProvisioned e) {
                service.onNetworkProvisioned(e);
            } else if (event instanceof NetworkProvisionFailed e) {
                service.onNetworkProvisionFailed(e);
            } else if (event instanceof BackendRegistered e) {
                service.onBackendRegistered(e);
            } else if (event instanceof NetworkReleased e) {
                service.onNetworkReleased(e);
            }
            return true;
        });
        metrics.counter("dms.consumer.handled", "consumer", CONSUMER, "type", type, "duplicate", Boolean.toString(!worked)).increment();
        if (worked) {
            worker.wake();
        }
    }

    /** The event types this consumer acts on. */
    public static boolean handles(String type) {
        return switch (type) {
            case NetworkProvisioned.TYPE, NetworkProvisionFailed.TYPE, BackendRegistered.TYPE, NetworkReleased.TYPE -> true;
            default -> false;
        };
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
