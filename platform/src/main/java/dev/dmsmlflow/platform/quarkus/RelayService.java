package dev.dmsmlflow.platform.quarkus;

import dev.dmsmlflow.platform.messaging.KafkaClientProperties;
import dev.dmsmlflow.platform.outbox.OutboxRelay;
import dev.dmsmlflow.platform.outbox.RelaySettings;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;

/** Starts the service's outbox relay once Flyway has migrated the database, and stops it on shutdown. */
@ApplicationScoped
public class RelayService {

    private static final Logger LOG = Logger.getLogger(RelayService.class);

    private final RelayConfig config;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final KafkaClientProperties kafka;
    private final String applicationName;
    private final OpenTelemetry openTelemetry;
    private final MeterRegistry meters;
    private volatile OutboxRelay relay;

    RelayService(RelayConfig config,
                 @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
                 @ConfigProperty(name = "quarkus.datasource.username") String user,
                 @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password,
                 KafkaClientProperties kafka,
                 @ConfigProperty(name = "quarkus.application.name") String applicationName,
                 OpenTelemetry openTelemetry, MeterRegistry meters) {
        this.openTelemetry = openTelemetry;
        this.meters = meters;
        this.config = config;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password.orElse("");
        this.kafka = kafka;
        this.applicationName = applicationName;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        String slot = config.slotName().orElse(applicationName.toLowerCase().replaceAll("[^a-z0-9_]", "_"));
        RelaySettings settings = RelaySettings.forJdbcUrl(slot, jdbcUrl, user, password, kafka.bootstrapServers())
                .withPollInterval(config.pollInterval())
                .withClientProperties(kafka.toStringMap());
        OutboxRelay r = new OutboxRelay(settings, openTelemetry);
        relay = r;
        FunctionCounter.builder("dms.messaging.relayed", r, OutboxRelay::relayedCount)
                .description("Outbox events Kafka acknowledged since the relay started").tag("relay", slot).register(meters);
        r.start();
        LOG.infof("outbox relay started: %s as Kafka user %s", settings, kafka.user());
    }

    void onStop(@Observes ShutdownEvent event) {
        OutboxRelay r = relay;
        if (r != null) {
            r.close();
        }
    }

    /** The running relay, or null when disabled. */
    public OutboxRelay relay() {
        return relay;
    }

    public boolean enabled() {
        return config.enabled();
    }
}
