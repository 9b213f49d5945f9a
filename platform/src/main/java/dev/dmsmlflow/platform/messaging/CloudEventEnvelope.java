package dev.dmsmlflow.platform.messaging;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The CloudEvents binary-mode envelope of a Kafka record as the outbox relay writes it: {@code ce_id}, {@code ce_type},
 * {@code ce_source}, {@code ce_time}, {@code ce_subject} headers, the aggregate id as key and the JSON payload as value.
 *
 * @param id event id (the inbox dedupe key); null when the record has no {@code ce_id}
 * @param type wire type name, e.g. {@code InstanceRequested}; null when absent
 * @param source producing service, e.g. {@code /instance-service}
 * @param time when the event occurred; null when absent or unparsable
 * @param subject aggregate id
 * @param key record key
 * @param payload JSON text of the payload (empty for a tombstone)
 */
public record CloudEventEnvelope(String id, String type, String source, Instant time, String subject, String key,
                                 String payload) {

    public static final String ID = "ce_id";
    public static final String TYPE = "ce_type";
    public static final String SOURCE = "ce_source";
    public static final String TIME = "ce_time";
    public static final String SUBJECT = "ce_subject";
    public static final String SPECVERSION = "ce_specversion";

    /** Reads the envelope of a record whose key and value are strings (or anything whose text they are). */
    public static CloudEventEnvelope of(ConsumerRecord<?, ?> record) {
        Headers h = record.headers();
        return new CloudEventEnvelope(header(h, ID).orElse(null), header(h, TYPE).orElse(null),
                header(h, SOURCE).orElse(null), header(h, TIME).flatMap(CloudEventEnvelope::instant).orElse(null),
                header(h, SUBJECT).orElse(null), record.key() == null ? null : record.key().toString(),
                record.value() == null ? "" : record.value().toString());
    }

    /** Whether the record carries what a consumer needs: an id and a type. */
    public boolean isComplete() {
        return id != null && !id.isBlank() && type != null && !type.isBlank();
    }

    /** The last value of a header as UTF-8 text, stripped of JSON string quotes a JSON header converter may add. */
    public static Optional<String> header(Headers headers, String name) {
        Header last = headers.lastHeader(name);
        if (last == null || last.value() == null) {
            return Optional.empty();
        }
        String s = new String(last.value(), StandardCharsets.UTF_8);
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return Optional.of(s);
    }

    private static Optional<Instant> instant(String s) {
        try {
            return Optional.of(Instant.parse(s));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
