package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.platform.outbox.OutboxRelay;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the outbox relay streams the write-ahead log, or while it stands by because another replica of the service
 * streams it (one reader per replication slot; the standby takes over when that one stops); otherwise says what it is doing.
 */
@Readiness
@ApplicationScoped
public class RelayHealthCheck implements HealthCheck {

    private final RelayService relays;

    RelayHealthCheck(RelayService relays) {
        this.relays = relays;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("outbox-relay");
        if (!relays.enabled()) {
            return b.up().withData("state", "DISABLED").build();
        }
        OutboxRelay relay = relays.relay();
        if (relay == null) {
            return b.down().withData("state", "NOT_STARTED").build();
        }
        b.withData("state", relay.state().name())
                .withData("slot", relay.settings().slotName())
                .withData("relayed", relay.relayedCount());
        if (relay.lastRelayedAt() != null) {
            b.withData("lastRelayedAt", relay.lastRelayedAt().toString());
        }
        if (relay.lastError() != null) {
            b.withData("lastError", relay.lastError());
        }
        if (relay.state() != OutboxRelay.State.STREAMING && relay.standby()) {
            return b.up().withData("state", "STANDBY").build();
        }
        return b.status(relay.state() == OutboxRelay.State.STREAMING).build();
    }
}
