package dev.dmsmlflow.network.messaging;

import dev.dmsmlflow.contracts.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the saga consumer of dms.instance is polling (or deliberately disabled). */
@Readiness
@ApplicationScoped
public class ConsumerHealthCheck implements HealthCheck {

    private final InstanceEventsConsumer consumer;

    public ConsumerHealthCheck(InstanceEventsConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public HealthCheckResponse call() {
        boolean enabled = consumer.isEnabled();
        return HealthCheckResponse.named("instance-events-consumer")
                .status(!enabled || consumer.isRunning())
                .withData("topic", Topics.INSTANCE)
                .withData("enabled", enabled)
                .build();
    }
}
