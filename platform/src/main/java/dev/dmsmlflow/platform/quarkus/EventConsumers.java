package dev.dmsmlflow.platform.quarkus;

import io.agroal.api.AgroalDataSource;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.sql.Connection;

/**
 * Makes the service's {@link EventConsumer}s: each one a named inbox consumer with a handler per contract event type,
 * driven by a SmallRye {@code @Incoming} method of the service. Shared by all of them: the inbox, the retry settings
 * ({@link MessagingConfig}), the meters ({@link MessagingMetrics}) and the tracer.
 */
@ApplicationScoped
public class EventConsumers {

    final InboxGuard inbox;
    final MessagingConfig config;
    final MessagingMetrics metrics;
    final Tracer tracer;
    private final AgroalDataSource dataSource;
    private volatile boolean stopping;

    EventConsumers(InboxGuard inbox, MessagingConfig config, MessagingMetrics metrics, OpenTelemetry openTelemetry,
                   AgroalDataSource dataSource) {
        this.inbox = inbox;
        this.config = config;
        this.metrics = metrics;
        this.tracer = openTelemetry.getTracer("dev.dmsmlflow.platform.messaging");
        this.dataSource = dataSource;
    }

    /** A consumer whose inbox rows are named {@code name} (keep it stable: it is what makes redeliveries duplicates). */
    public EventConsumer.Builder named(String name) {
        return new EventConsumer.Builder(this, name);
    }

    /** Whether the service's own database answers: a failure while it does not is the database's, not the record's. */
    boolean databaseAnswers() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (Exception e) {
            return false;
        }
    }

    boolean stopping() {
        return stopping;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }
}
