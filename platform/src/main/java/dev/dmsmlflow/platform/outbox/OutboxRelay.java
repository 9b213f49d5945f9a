package dev.dmsmlflow.platform.outbox;

import io.debezium.engine.DebeziumEngine;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.embedded.Connect;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams the outbox table of one database to Kafka: Debezium's embedded PostgreSQL connector reads
 * inserts from the write-ahead log (pgoutput), Debezium's outbox EventRouter turns each row into a record
 * on the topic named by its aggregate type keyed by its aggregate id, and a Kafka producer publishes it with
 * CloudEvents binary-mode headers. Offsets are committed only after Kafka acknowledged the batch, so a crash
 * re-sends (consumers dedupe with the inbox) and never skips. The relay restarts itself after failures.
 */
public final class OutboxRelay implements AutoCloseable {

    /** Name of the pgoutput publication created by the platform migration. */
    public static final String PUBLICATION = "dms_outbox";

    /** Lifecycle of the relay as health checks report it. */
    public enum State { STARTING, STREAMING, RETRYING, STOPPED }

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final String[] CE_HEADERS = {"ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "ce_specversion"};
    /** W3C trace context of the transaction that wrote the row (the outbox column of the same name), when it had one. */
    static final String TRACEPARENT = "traceparent";

    private final RelaySettings settings;
    private final Tracer tracer;
    private final ExecutorService runner;
    private final ScheduledExecutorService housekeeping;
    private final AtomicReference<State> state = new AtomicReference<>(State.STOPPED);
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicLong relayed = new AtomicLong();
    private final AtomicReference<Instant> lastRelayedAt = new AtomicReference<>();
    private volatile boolean closed;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile KafkaProducer<byte[], byte[]> producer;
    /** The one connection that asks whether the slot is held (readiness probes, standby retries); guarded by itself. */
    private final Object slotCheckLock = new Object();
    private Connection slotCheck;

    public OutboxRelay(RelaySettings settings) {
        this(settings, OpenTelemetry.noop());
    }

    /**
     * A relay that records a producer span for every event written inside a trace: a child of the row's
     * {@code traceparent}, whose own context the record then carries, so the trace goes on through the relay to the consumers.
     */
    public OutboxRelay(RelaySettings settings, OpenTelemetry openTelemetry) {
        this.settings = settings;
        this.tracer = openTelemetry.getTracer("dev.dmsmlflow.platform.outbox");
        this.runner = Executors.newSingleThreadExecutor(r -> daemon(r, "outbox-relay-" + settings.name()));
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "outbox-prune-" + settings.name()));
    }

    /** Starts streaming in the background; returns at once. */
    public synchronized void start() {
        if (state.get() != State.STOPPED || closed) {
            return;
        }
        state.set(State.STARTING);
        runner.submit(this::superviseEngine);
        long every = Math.max(60, settings.retention().toSeconds() / 24);
        housekeeping.scheduleWithFixedDelay(this::pruneRelayedRows, every, every, TimeUnit.SECONDS);
    }

    public State state() {
        return state.get();
    }

    /** The last failure, if the relay is retrying. */
    public String lastError() {
        return lastError.get();
    }

    /** Events acknowledged by Kafka since this relay started. */
    public long relayedCount() {
        return relayed.get();
    }

    public Instant lastRelayedAt() {
        return lastRelayedAt.get();
    }

    public RelaySettings settings() {
        return settings;
    }

    /** Blocks until the connector streams from the replication slot, or throws after {@code timeout}. */
    public void awaitStreaming(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (state.get() == State.STREAMING && slotActive()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("relay " + settings.name() + " not streaming after " + timeout + "; last error: " + lastError.get());
    }

    /**
     * A standby: this relay does not stream because another process (another replica of the service) holds the replication
     * slot; it keeps trying to attach every few seconds and takes over when the slot is free (PostgreSQL lets one reader
     * stream a slot at a time). False while it streams, and while the slot is free (then it is failing or starting).
     */
    public boolean standby() {
        return state.get() != State.STREAMING && slotActive();
    }

    /**
     * Whether some process streams the slot. Asked on every readiness probe, every standby retry and every 20 ms while
     * awaiting the stream, so it keeps one connection open (application name {@value #SLOT_CHECK_APPLICATION}) rather than
     * opening one per question; a connection that broke (the database restarted) is replaced once, and no answer is false.
     */
    private boolean slotActive() {
        synchronized (slotCheckLock) {
            if (closed) {
                closeSlotCheck();
                return false;
            }
            boolean reused = slotCheck != null;
            try {
                return askSlotActive();
            } catch (SQLException e) {
                closeSlotCheck();
                if (!reused) {
                    return false;
                }
            }
            try {
                return askSlotActive();
            } catch (SQLException e) {
                closeSlotCheck();
                return false;
            }
        }
    }

    /** The {@code application_name} of the connection that asks for the slot's state. */
    static final String SLOT_CHECK_APPLICATION = "dms-relay-slot-check";

    private boolean askSlotActive() throws SQLException {
        if (slotCheck == null) {
            Properties p = new Properties();
            if (settings.dbUser() != null) {
                p.setProperty("user", settings.dbUser());
            }
            if (settings.dbPassword() != null) {
                p.setProperty("password", settings.dbPassword());
            }
            p.setProperty("ApplicationName", SLOT_CHECK_APPLICATION);
            slotCheck = DriverManager.getConnection(settings.jdbcUrl(), p);
        }
        try (PreparedStatement ps = slotCheck.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, settings.slotName());
            try (var rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private void closeSlotCheck() {
        if (slotCheck != null) {
            try {
                slotCheck.close();
            } catch (SQLException ignored) {
                // it is gone either way
            }
            slotCheck = null;
        }
    }

    private void superviseEngine() {
        long backoffMs = 500;
        while (!closed) {
            try {
                DebeziumEngine<RecordChangeEvent<SourceRecord>> e = DebeziumEngine.create(io.debezium.engine.format.ChangeEventFormat.of(Connect.class))
                        .using(engineConfig())
                        .using(new DebeziumEngine.ConnectorCallback() {
                            @Override
                            public void taskStarted() {
                                state.set(State.STREAMING);
                                lastError.set(null);
                            }
                        })
                        .using((success, message, error) -> {
                            if (!success && !closed) {
                                lastError.set(message + (error == null ? "" : ": " + error));
                            }
                        })
                        .notifying(this::publish)
                        .build();
                engine = e;
                e.run();
            } catch (Throwable t) {
                lastError.set(String.valueOf(t));
            } finally {
                engine = null;
                closeProducer();
            }
            if (closed) {
                break;
            }
            state.set(State.RETRYING);
            LOG.warn("outbox relay {} stopped ({}); restarting in {} ms", settings.name(), lastError.get(), backoffMs);
            try {
                Thread.sleep(backoffMs);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
            // a standby (the slot is another replica's) asks again every 2 s so that it takes over quickly when that one
            // dies; other failures (broker or database down) back off to 30 s
            backoffMs = slotActive() ? 2_000 : Math.min(backoffMs * 2, 30_000);
        }
        state.set(State.STOPPED);
    }

    /**
     * The producer, made when the first event is to be sent: a service that publishes nothing (its principal may write no
     * topic at all) never asks the broker for a producer id, which Kafka refuses to a principal without any WRITE grant.
     */
    private KafkaProducer<byte[], byte[]> producer() {
        KafkaProducer<byte[], byte[]> p = producer;
        if (p == null) {
            p = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
            producer = p;
        }
        return p;
    }

    private void closeProducer() {
        KafkaProducer<byte[], byte[]> p = producer;
        producer = null;
        if (p != null) {
            try {
                p.close(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                LOG.warn("closing the producer of relay {}: {}", settings.name(), e.toString());
            }
        }
    }

    /** Publishes a batch and commits its offsets only once Kafka has acknowledged every record. */
    private void publish(List<RecordChangeEvent<SourceRecord>> batch,
                         DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
        for (RecordChangeEvent<SourceRecord> change : batch) {
            ProducerRecord<byte[], byte[]> out = toKafka(change.record());
            if (out != null) {
                Span span = traced(out);
                acks.add(producer().send(out, span == null ? null : (metadata, error) -> {
                    if (error != null) {
                        span.recordException(error).setStatus(StatusCode.ERROR);
                    }
                    span.end();
                }));
            }
        }
        for (Future<RecordMetadata> ack : acks) {
            try {
                ack.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("Kafka refused an outbox record", e.getCause());
            }
        }
        for (RecordChangeEvent<SourceRecord> change : batch) {
            committer.markProcessed(change);
        }
        committer.markBatchFinished();
        if (!acks.isEmpty()) {
            relayed.addAndGet(acks.size());
            lastRelayedAt.set(Instant.now());
        }
    }

    /**
     * For a record whose row was written inside a trace: starts the relay's producer span as a child of the row's context
     * and replaces the record's {@code traceparent} by the span's, so consumers continue the trace after the relay.
     * Null (nothing recorded) for a record without trace context.
     */
    private Span traced(ProducerRecord<byte[], byte[]> record) {
        org.apache.kafka.common.header.Header parent = record.headers().lastHeader(TRACEPARENT);
        if (parent == null) {
            return null;
        }
        io.opentelemetry.context.Context context = W3CTraceContextPropagator.getInstance().extract(
                io.opentelemetry.context.Context.root(), record.headers(), HEADERS);
        Span span = tracer.spanBuilder(record.topic() + " publish").setParent(context).setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "publish")
                .setAttribute("messaging.destination.name", record.topic())
                .setAttribute("messaging.message.id", headerText(record, "ce_id"))
                .setAttribute("dms.event.type", headerText(record, "ce_type"))
                .setAttribute("dms.relay", settings.name())
                .startSpan();
        W3CTraceContextPropagator.getInstance().inject(context.with(span), record.headers(),
                (headers, key, value) -> {
                    headers.remove(key);
                    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
                });
        return span;
    }

    private static String headerText(ProducerRecord<byte[], byte[]> record, String name) {
        org.apache.kafka.common.header.Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static final TextMapGetter<org.apache.kafka.common.header.Headers> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(org.apache.kafka.common.header.Headers carrier) {
            List<String> keys = new ArrayList<>();
            carrier.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(org.apache.kafka.common.header.Headers carrier, String key) {
            org.apache.kafka.common.header.Header h = carrier == null ? null : carrier.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    /** The EventRouter's output as a Kafka record; null for anything that is not an outbox event. */
    static ProducerRecord<byte[], byte[]> toKafka(SourceRecord record) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : record.headers()) {
            if (h.value() != null) {
                headers.put(h.key(), h.value().toString());
            }
        }
        if (!headers.containsKey("ce_id") || record.value() == null) {
            return null;
        }
        RecordHeaders kafkaHeaders = new RecordHeaders();
        for (String name : CE_HEADERS) {
            String value = headers.get(name);
            if (value != null) {
                kafkaHeaders.add(name, value.getBytes(StandardCharsets.UTF_8));
            }
        }
        String traceparent = headers.get(TRACEPARENT);
        if (traceparent != null && !traceparent.isBlank()) {
            kafkaHeaders.add(TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        }
        kafkaHeaders.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        byte[] key = record.key() == null ? null : record.key().toString().getBytes(StandardCharsets.UTF_8);
        byte[] value = record.value().toString().getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(record.topic(), null, key, value, kafkaHeaders);
    }

    private Properties engineConfig() {
        Properties p = new Properties();
        p.setProperty("name", settings.name());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("topic.prefix", settings.name());
        p.setProperty("database.hostname", settings.dbHost());
        p.setProperty("database.port", String.valueOf(settings.dbPort()));
        p.setProperty("database.user", settings.dbUser());
        p.setProperty("database.password", settings.dbPassword() == null ? "" : settings.dbPassword());
        p.setProperty("database.dbname", settings.database());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", settings.slotName());
        p.setProperty("publication.name", PUBLICATION);
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("table.include.list", "public.outbox_event");
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("poll.interval.ms", String.valueOf(settings.pollInterval().toMillis()));
        p.setProperty("max.batch.size", String.valueOf(settings.maxBatchSize()));
        p.setProperty("max.queue.size", String.valueOf(settings.maxBatchSize() * 8));
        p.setProperty("offset.storage", PostgresOffsetBackingStore.class.getName());
        p.setProperty(PostgresOffsetBackingStore.URL, settings.jdbcUrl());
        p.setProperty(PostgresOffsetBackingStore.USER, settings.dbUser());
        p.setProperty(PostgresOffsetBackingStore.PASSWORD, settings.dbPassword() == null ? "" : settings.dbPassword());
        p.setProperty(PostgresOffsetBackingStore.RELAY_NAME, settings.name());
        p.setProperty("offset.flush.interval.ms", String.valueOf(settings.offsetFlushInterval().toMillis()));
        p.setProperty("offset.flush.timeout.ms", "10000");
        p.setProperty("transforms", "outbox");
        p.setProperty("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        p.setProperty("transforms.outbox.table.field.event.id", "id");
        p.setProperty("transforms.outbox.table.field.event.key", "aggregateid");
        p.setProperty("transforms.outbox.table.field.event.payload", "payload");
        p.setProperty("transforms.outbox.route.by.field", "aggregatetype");
        p.setProperty("transforms.outbox.route.topic.replacement", "${routedByValue}");
        p.setProperty("transforms.outbox.table.fields.additional.placement",
                "id:header:ce_id,type:header:ce_type,source:header:ce_source,occurred_at:header:ce_time,"
                        + "aggregateid:header:ce_subject,specversion:header:ce_specversion,traceparent:header:traceparent");
        return p;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "outbox-relay-" + settings.name());
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        // Wait out broker outages instead of failing: the WAL keeps everything until Kafka is back.
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Duration.ofHours(1).toMillis());
        c.putAll(settings.producerOverrides());
        return c;
    }

    private void pruneRelayedRows() {
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl(), settings.dbUser(), settings.dbPassword());
             PreparedStatement ps = c.prepareStatement("DELETE FROM outbox_event WHERE occurred_at < ?")) {
            ps.setTimestamp(1, java.sql.Timestamp.from(Instant.now().minus(settings.retention())));
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.warn("pruning outbox rows of {} failed: {}", settings.name(), e.getMessage());
        }
    }

    /** Stops streaming; offsets acknowledged so far are kept, so the next start resumes. */
    @Override
    public void close() {
        closed = true;
        DebeziumEngine<RecordChangeEvent<SourceRecord>> e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (Exception ex) {
                LOG.warn("closing relay {}: {}", settings.name(), ex.toString());
            }
        }
        housekeeping.shutdownNow();
        runner.shutdown();
        try {
            if (!runner.awaitTermination(30, TimeUnit.SECONDS)) {
                runner.shutdownNow();
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        synchronized (slotCheckLock) {
            closeSlotCheck();
        }
        state.set(State.STOPPED);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
