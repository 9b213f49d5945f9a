package dev.dmsmlflow.billing.messaging;

import dev.dmsmlflow.billing.application.Ledger;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.platform.quarkus.EventConsumer;
import dev.dmsmlflow.platform.quarkus.EventConsumers;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.concurrent.CompletionStage;

/**
 * Consumes the usage readings ({@code dms.usage}, channel {@value #CHANNEL}) of instance-service and notebook-service
 * with the platform's consumer shape, a poll at a time ({@code batch=true}): the inbox rows (keyed by CloudEvents source
 * and id) and the poll's ledger entries and line items commit in one transaction; a failing poll is retried, then
 * handled record by record, so a reading that can never be billed goes alone to {@code dms.dlq.billing-service}.
 */
@ApplicationScoped
public class UsageEventsConsumer {

    /** The incoming channel (its topic: {@code mp.messaging.incoming.usage-events.topic}). */
    public static final String CHANNEL = "usage-events";
    /** Consumer name in the inbox. */
    public static final String CONSUMER = "billing-service";

    private final EventConsumer consumer;

    UsageEventsConsumer(EventConsumers consumers, Ledger ledger) {
        this.consumer = consumers.named(CONSUMER)
                .dedupeKey(e -> e.source() + " " + e.id())
                .onBatch(UsageMetered.class, ledger::record)
                .build();
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(KafkaRecordBatch<String, String> batch) {
        return consumer.consumeBatch(batch);
    }

    /** The consumer itself, for tests that feed it contract examples. */
    public EventConsumer consumer() {
        return consumer;
    }
}
