package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.contracts.DeadLetters;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.platform.messaging.DeadLetterException;
import io.agroal.api.AgroalDataSource;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A consumer of whole polls ({@code batch=true}, {@link EventConsumer#consumeBatch}) for the platform's tests, keyed in
 * its inbox by CloudEvents source and id: InstanceUpdated events go to {@code test_consumed} (instance id prefixed
 * {@code b:}), an event named {@code poison} is refused by the handler as a dead letter.
 */
@ApplicationScoped
public class TestBatchConsumer {

    static final String CHANNEL = "test-batch";
    static final String NAME = "platform-test-batch";

    private final EventConsumer consumer;
    private final AgroalDataSource dataSource;

    TestBatchConsumer(EventConsumers consumers, AgroalDataSource dataSource) {
        this.dataSource = dataSource;
        this.consumer = consumers.named(NAME).dedupeKey(e -> e.source() + " " + e.id()).onBatch(InstanceUpdated.class, this::onUpdated).build();
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, String> batch) {
        return consumer.consumeBatch(batch);
    }

    private void onUpdated(List<EventConsumer.Delivery<InstanceUpdated>> deliveries) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO test_consumed (instance_id, name) VALUES (?, ?)")) {
            for (EventConsumer.Delivery<InstanceUpdated> d : deliveries) {
                if (d.event().name().equals("poison")) {
                    throw new DeadLetterException(DeadLetters.Kind.FAILED, "poison in a poll");
                }
                ps.setString(1, "b:" + d.event().instanceId());
                ps.setString(2, d.event().name() + "@" + d.envelope().source());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
