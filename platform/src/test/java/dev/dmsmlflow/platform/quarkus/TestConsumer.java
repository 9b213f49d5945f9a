package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import io.agroal.api.AgroalDataSource;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A consumer of the platform's tests, shaped like the services' ones: InstanceUpdated events are recorded in
 * {@code test_consumed}; the event's name steers it: {@code fail-N} fails its first N tries, {@code fail-always} every
 * try, {@code publish} also publishes an event (to see the outbox row continue the trace).
 */
@ApplicationScoped
public class TestConsumer {

    static final String CHANNEL = "test-events";
    static final String NAME = "platform-test";

    private final EventConsumer consumer;
    private final AgroalDataSource dataSource;
    private final EventPublisher publisher;
    private final Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();

    TestConsumer(EventConsumers consumers, AgroalDataSource dataSource, EventPublisher publisher) {
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.consumer = consumers.named(NAME).on(InstanceUpdated.class, this::onUpdated).build();
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> message) {
        return consumer.consume(message);
    }

    EventConsumer consumer() {
        return consumer;
    }

    private void onUpdated(InstanceUpdated e) throws Exception {
        int tryNo = tries.computeIfAbsent(e.instanceId() + "/" + e.name(), k -> new AtomicInteger()).incrementAndGet();
        if (e.name().equals("fail-always") || e.name().startsWith("fail-") && tryNo <= Integer.parseInt(e.name().substring(5))) {
            throw new java.sql.SQLTransientException("simulated lock timeout, try " + tryNo);
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO test_consumed (instance_id, name) VALUES (?, ?)")) {
            ps.setString(1, e.instanceId());
            ps.setString(2, e.name());
            ps.executeUpdate();
        }
        if (e.name().equals("publish")) {
            publisher.publish(new InstanceUpdated(e.instanceId(), e.workspaceId(), "published", null, Instant.now()));
        }
    }
}
