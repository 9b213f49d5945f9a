package dev.dmsmlflow.network.messaging;

import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.application.NetworkWorker;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.Outcome;
import dev.dmsmlflow.platform.quarkus.EventConsumer;
import dev.dmsmlflow.platform.quarkus.EventConsumers;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.concurrent.CompletionStage;

/**
 * network-service's step of the saga: instance events ({@code dms.instance}, channel {@value #CHANNEL}) consumed with the
 * platform's consumer shape ({@link EventConsumer}): one event handled once (inbox) in one short transaction that records
 * the state change and the step it asks for (or answers at once when no cloud call is needed), retried in place when that
 * fails, dead-lettered to {@code dms.dlq.network-service} when it never can be. The cloud calls are the
 * {@link NetworkWorker}'s, woken after the commit. InstanceUpdated is taken for its authentication mode; instance events it has no business with
 * (InstanceStatusChanged, InstanceRunning, ...) are ignored, logged and counted.
 */
@ApplicationScoped
public class InstanceEventsHandler {

    /** The incoming channel (its topic: {@code mp.messaging.incoming.instance-events.topic}). */
    public static final String CHANNEL = "instance-events";
    /** Inbox consumer name (kept: it is what makes a redelivery of an already handled event a duplicate). */
    public static final String CONSUMER = "network-service.instance-events";

    private final EventConsumer consumer;

    public InstanceEventsHandler(EventConsumers consumers, NetworkService service, NetworkWorker worker) {
        this.consumer = consumers.named(CONSUMER)
                .on(InstanceRequested.class, service::onInstanceRequested)
                .on(InstanceDeployed.class, service::onInstanceDeployed)
                .on(InstanceReleaseRequested.class, service::onReleaseRequested)
                .on(InstanceUpdated.class, service::onInstanceUpdated) // the authentication mode
                // the handlers only record the step; the worker does the cloud calls after the commit
                .afterHandled(worker::wake)
                .build();
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> record) {
        return consumer.consume(record);
    }

    /** Handles one record once (tests feed contract examples through it); throws a DeadLetterException for poison. */
    public Outcome handle(CloudEventEnvelope envelope) throws Exception {
        return consumer.handle(envelope);
    }
}
