package dev.dmsmlflow.network.messaging;

import dev.dmsmlflow.contracts.Event;
import dev.dmsmlflow.contracts.EventCatalogue;
import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.quarkus.InboxGuard;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import io.quarkus.narayana.jta.runtime.TransactionConfiguration;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.util.Set;

/**
 * network-service's step of the saga: one instance event, handled once (inbox) in one transaction with the state
 * change and the answering event. Types it does not act on are counted and logged, never silently dropped.
 */
@ApplicationScoped
public class InstanceEventsHandler {

    private static final Logger LOG = Logger.getLogger(InstanceEventsHandler.class);
    /** Inbox consumer name. */
    public static final String CONSUMER = "network-service.instance-events";
    /** Instance events that are someone else's business; counted as ignored. */
    private static final Set<String> NOT_OURS = Set.of("InstanceStatusChanged", "InstanceRunning", "InstanceFailed", "InstanceReleased");

    /** What became of a record. */
    public enum Outcome { HANDLED, DUPLICATE, IGNORED, UNKNOWN_TYPE, REJECTED }

    private final NetworkService service;
    private final InboxGuard inbox;
    private final MeterRegistry meters;
    private final EventCodec codec = new EventCodec();

    public InstanceEventsHandler(NetworkService service, InboxGuard inbox, MeterRegistry meters) {
        this.service = service;
        this.inbox = inbox;
        this.meters = meters;
    }

    /** Handles one record; throws when it should be retried (database or provider trouble). */
    @Transactional
    @TransactionConfiguration(timeout = 900) // cloud provisioning polls asynchronous jobs for minutes
    public Outcome handle(CloudEventEnvelope envelope) throws Exception {
        Outcome outcome = dispatch(envelope);
        meters.counter("dms.network.instance.events", "type", String.valueOf(envelope.type()), "outcome", outcome.name().toLowerCase()).increment();
        return outcome;
    }

    private Outcome dispatch(CloudEventEnvelope envelope) throws Exception {
        if (!envelope.isComplete()) {
            LOG.errorf("record without ce_id/ce_type (key %s) rejected", envelope.key());
            return Outcome.REJECTED;
        }
        String type = envelope.type();
        if (EventCatalogue.find(type).isEmpty()) {
            LOG.warnf("unknown event type %s (id %s) skipped; is network-service older than its producer?", type, envelope.id());
            return Outcome.UNKNOWN_TYPE;
        }
        if (NOT_OURS.contains(type)) {
            LOG.debugf("%s %s is not for network-service", type, envelope.id());
            return Outcome.IGNORED;
        }
        if (!Set.of(InstanceRequested.TYPE, InstanceDeployed.TYPE, InstanceReleaseRequested.TYPE, InstanceUpdated.TYPE).contains(type)) {
            LOG.warnf("event type %s (id %s) has no handler in network-service; skipped", type, envelope.id());
            return Outcome.IGNORED;
        }
        Event event;
        try {
            event = codec.decode(type, envelope.payload());
        } catch (IllegalArgumentException e) {
            LOG.errorf("%s %s rejected: %s", type, envelope.id(), e.getMessage());
            return Outcome.REJECTED;
        }
        if (!inbox.firstDelivery(CONSUMER, envelope.id())) {
            LOG.debugf("%s %s already handled", type, envelope.id());
            return Outcome.DUPLICATE;
        }
        if (event instanceof InstanceRequested e) {
            service.onInstanceRequested(e);
        } else if (event instanceof InstanceDeployed e) {
            service.onInstanceDeployed(e);
        } else if (event instanceof InstanceReleaseRequested e) {
            service.onReleaseRequested(e);
        } else if (event instanceof InstanceUpdated e) {
            service.onInstanceUpdated(e); // the authentication mode
        }
        return Outcome.HANDLED;
    }
}
