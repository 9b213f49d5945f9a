package dev.dmsmlflow.instance.messaging;

import dev.dmsmlflow.contracts.network.BackendRegistered;
import dev.dmsmlflow.contracts.network.LoadBalancerAddressChanged;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.contracts.network.NetworkReleased;
import dev.dmsmlflow.instance.application.InstanceService;
import dev.dmsmlflow.instance.application.SagaWorker;
import dev.dmsmlflow.platform.quarkus.EventConsumer;
import dev.dmsmlflow.platform.quarkus.EventConsumers;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.concurrent.CompletionStage;

/**
 * Consumes network-service's events ({@code dms.network}, channel {@value #CHANNEL}) for the instance saga, with the
 * platform's consumer shape ({@link EventConsumer}): each event handled once (inbox) in one transaction with the saga's
 * change, retried in place when that fails, dead-lettered to {@code dms.dlq.instance-service} when it never can be.
 * A handled event wakes the saga worker for the step it made.
 */
@ApplicationScoped
public class NetworkEventsConsumer {

    /** The incoming channel (its topic: {@code mp.messaging.incoming.network-events.topic}). */
    public static final String CHANNEL = "network-events";
    /** Consumer name in the inbox. */
    public static final String CONSUMER = "instance-service";

    private final EventConsumer consumer;

    NetworkEventsConsumer(EventConsumers consumers, InstanceService service, SagaWorker worker) {
        this.consumer = consumers.named(CONSUMER)
                .on(NetworkProvisioned.class, service::onNetworkProvisioned)
                .on(NetworkProvisionFailed.class, service::onNetworkProvisionFailed)
                .on(BackendRegistered.class, service::onBackendRegistered)
                .on(NetworkReleased.class, service::onNetworkReleased)
                .on(LoadBalancerAddressChanged.class, service::onLoadBalancerAddressChanged)
                .afterHandled(worker::wake)
                .build();
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> consume(Message<String> record) {
        return consumer.consume(record);
    }

    /** The consumer itself, for tests that feed it contract examples. */
    public EventConsumer consumer() {
        return consumer;
    }
}
