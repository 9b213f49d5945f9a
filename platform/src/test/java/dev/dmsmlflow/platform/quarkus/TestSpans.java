package dev.dmsmlflow.platform.quarkus;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Collects the sampled spans of the platform's test app (it replaces the OTLP exporter). */
@ApplicationScoped
public class TestSpans {

    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
