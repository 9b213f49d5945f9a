package dev.dmsmlflow.network.application;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.Steps;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A network step carries the trace context of the request or event that recorded it, and the worker's span of the step
 * ({@code network step <STEP>}) continues that trace as its child.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class StepTracingIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AttributeKey<String> INSTANCE = AttributeKey.stringKey("dms.instance.id");

    @Inject
    InMemorySpanExporter spans;

    @Inject
    NetworkService service;

    @Inject
    NetworkWorker worker;

    @Inject
    NetworkRepository repository;

    private SpanData stepSpan(String name, String instanceId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            SpanData found = spans.getFinishedSpanItems().stream()
                    .filter(s -> s.getName().equals(name) && instanceId.equals(s.getAttributes().get(INSTANCE)))
                    .findFirst().orElse(null);
            if (found != null) {
                return found;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no span " + name + " of " + instanceId + " among " + spans.getFinishedSpanItems().stream()
                .map(s -> s.getName() + " " + s.getAttributes()).toList());
    }

    @Test
    void theWorkersSpanOfAStepContinuesTheTraceThatRecordedIt() throws Exception {
        // the trace of a request that was sampled upstream (the service samples no root spans of its own)
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String parentSpanId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        SpanContext parent = SpanContext.createFromRemoteParent(traceId, parentSpanId, TraceFlags.getSampled(), TraceState.getDefault());
        String id = Fixtures.newInstanceId();
        worker.stop(); // so that the recorded step can be read before it runs
        try {
            try (Scope ignored = Context.root().with(Span.wrap(parent)).makeCurrent()) {
                QuarkusTransaction.requiringNew().run(() -> service.onInstanceRequested(Fixtures.requested(id)));
            }
            assertEquals("00-" + traceId + "-" + parentSpanId + "-01", repository.step(id).orElseThrow().traceparent());
        } finally {
            worker.start();
        }
        Steps.settle(id);
        SpanData provision = stepSpan("network step PROVISION", id);
        assertEquals(traceId, provision.getTraceId());
        assertEquals(parentSpanId, provision.getParentSpanId());
        assertEquals("PROVISION", provision.getAttributes().get(AttributeKey.stringKey("dms.network.step")));
    }
}
