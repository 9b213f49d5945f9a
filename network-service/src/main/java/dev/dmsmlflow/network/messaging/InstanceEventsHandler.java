package dev.dmsmlflow.network.messaging;

import dev.dmsmlflow.contracts.instance.InstanceDeployed;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.platform.messaging.CloudEventEnvelope;
import dev.dmsmlflow.platform.messaging.Outcome;
import dev.dmsmlflow.platform.quarkus.EventConsumer;
import dev.dmsmlflow.platform.quarkus.EventConsumers;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * network-service's step of the saga: instance events ({@code dms.instance}, channel {@value #CHANNEL}) consumed with the
 * platform's consumer shape ({@link EventConsumer}): one event handled once (inbox) in one transaction with the state
 * change and the answering event, retried in place when that fails, dead-lettered to {@code dms.dlq.network-service} when
 * it never can be. Instance events it has no business with (InstanceStatusChanged, InstanceRunning, ...) are ignored,
 * logged and counted.
 */
@ApplicationScoped
public class InstanceEventsHandler {

    /** The incoming channel (its topic: {@code mp.messaging.incoming.instance-events.topic}). */
    public static final String CHANNEL = "instance-events";
    /** Inbox consumer name (kept: it is what makes a redelivery of an already handled event a duplicate). */
    public static final String CONSUMER = "network-service.instance-events";

    private final EventConsumer consumer;

    public InstanceEventsHandler(EventConsumers consumers, NetworkService service) {
        this.consumer = consumers.named(CONSUMER)
                .on(InstanceRequested.class, service::onInstanceRequested)
                .on(InstanceDeployed.class, service::onInstanceDeployed)
                .on(InstanceReleaseRequested.class, service::onReleaseRequested)
                // cloud provisioning polls asynchronous jobs for minutes inside the handler (issue 15 moves it out)
                .transactionTimeout(Duration.ofSeconds(900))
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
