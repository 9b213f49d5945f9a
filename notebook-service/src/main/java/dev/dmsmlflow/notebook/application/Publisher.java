package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.platform.quarkus.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.util.UUID;

/** Writes contract events to the outbox in the caller's transaction, on the topic of their aggregate type. */
@ApplicationScoped
public class Publisher {

    private final Outbox outbox;
    private final EventCodec codec = new EventCodec();

    Publisher(Outbox outbox) {
        this.outbox = outbox;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public UUID publish(Event event) {
        return outbox.publish(event.aggregateType().topic(), event.aggregateId(), event.eventType(), codec.encode(event));
    }

    /** With a deterministic event id (usage readings): a consumer dedupes a re-emission by it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public UUID publish(Event event, UUID eventId) {
        return outbox.publish(event.aggregateType().topic(), event.aggregateId(), event.eventType(), eventId, codec.encode(event));
    }
}
