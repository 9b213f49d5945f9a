package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.util.UUID;

/**
 * The one way a service publishes a contract event: encoded with the contracts' wire format and written to the outbox in
 * the caller's transaction, routed to the topic of its aggregate type ({@link dev.dmsmlflow.contracts.AggregateType#topic()})
 * and keyed by its aggregate id, so one aggregate's events stay in order on one partition.
 */
@ApplicationScoped
public class EventPublisher {

    private final Outbox outbox;
    private final EventCodec codec = new EventCodec();

    EventPublisher(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Publishes {@code event} with a new random event id; returns the id. Needs an active transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    public UUID publish(Event event) {
        return publish(event, UUID.randomUUID());
    }

    /** With a caller-chosen (deterministic) event id, e.g. usage readings: a consumer dedupes a re-emission by it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public UUID publish(Event event, UUID eventId) {
        return outbox.publish(event.aggregateType().topic(), event.aggregateId(), event.eventType(), eventId, codec.encode(event));
    }
}
