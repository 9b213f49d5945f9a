package dev.dmsmlflow.platform.quarkus;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The W3C {@code traceparent} of the current OpenTelemetry context, as the outbox row and the Kafka headers carry it. */
public final class TraceContext {

    /** Name of the W3C trace-context header (and of the outbox column). */
    public static final String TRACEPARENT = "traceparent";

    private static final TextMapSetter<Map<String, String>> SETTER = (carrier, key, value) -> carrier.put(key, value);
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private TraceContext() {
    }

    /** The traceparent of the current span, or null when there is no valid span (outside any trace). */
    public static String currentTraceparent() {
        return traceparent(Context.current());
    }

    /** The traceparent of {@code context}'s span, or null. */
    public static String traceparent(Context context) {
        SpanContext span = Span.fromContext(context).getSpanContext();
        if (!span.isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>(2);
        W3CTraceContextPropagator.getInstance().inject(context, carrier, SETTER);
        return carrier.get(TRACEPARENT);
    }

    /** The context a traceparent continues (the root context when it is null or malformed). */
    public static Context fromTraceparent(String traceparent) {
        if (traceparent == null || traceparent.isBlank()) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of(TRACEPARENT, traceparent), GETTER);
    }

    /** Header names the W3C propagator reads and writes. */
    public static List<String> fields() {
        return List.copyOf(W3CTraceContextPropagator.getInstance().fields());
    }
}
