package dev.dmsmlflow.cli.events;

import dev.dmsmlflow.contracts.DeadLetters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One record of a dead-letter topic: where it is, what it was (the original record's key, value, headers and coordinates)
 * and why it is there.
 *
 * @param topic     the dead-letter topic
 * @param partition its partition there
 * @param offset    its offset there
 */
public record DeadLetter(String topic, int partition, long offset, byte[] key, byte[] value, List<Header> headers) {

    static DeadLetter of(ConsumerRecord<byte[], byte[]> r) {
        List<Header> headers = new ArrayList<>();
        r.headers().forEach(headers::add);
        return new DeadLetter(r.topic(), r.partition(), r.offset(), r.key(), r.value(), List.copyOf(headers));
    }

    /** The last value of header {@code name}, or null. */
    public String header(String name) {
        String value = null;
        for (Header h : headers) {
            if (h.key().equals(name) && h.value() != null) {
                value = new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return value;
    }

    /** Where it is: {@code <dead-letter topic>/<partition>/<offset>}. */
    public String coordinates() {
        return topic + "/" + partition + "/" + offset;
    }

    /** Its id for {@code --id}: the event's CloudEvents id, or its coordinates when it has none. */
    public String id() {
        String ce = eventId();
        return ce == null || ce.isBlank() ? coordinates() : ce;
    }

    public String eventId() {
        return header("ce_id");
    }

    public String type() {
        return header("ce_type");
    }

    public String reason() {
        return header(DeadLetters.REASON);
    }

    public String kind() {
        return header(DeadLetters.KIND);
    }

    public String originalTopic() {
        return header(DeadLetters.TOPIC);
    }

    /** {@code <topic>/<partition>/<offset>} of the original record. */
    public String original() {
        return originalTopic() + "/" + header(DeadLetters.PARTITION) + "/" + header(DeadLetters.OFFSET);
    }

    public String keyText() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** Whether {@code id} names this dead letter (its event id or its coordinates). */
    public boolean matches(String id) {
        return id.equals(eventId()) || id.equals(coordinates());
    }
}
