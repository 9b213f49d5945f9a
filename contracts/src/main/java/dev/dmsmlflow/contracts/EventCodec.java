package dev.dmsmlflow.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Turns events into wire payloads and back, choosing the record class from the wire type name. */
public final class EventCodec {

    private final ObjectMapper mapper;

    /** A codec on a fresh wire-format mapper. */
    public EventCodec() {
        this(WireFormat.newObjectMapper());
    }

    /** A codec on the given mapper, which should be configured like {@link WireFormat#newObjectMapper()}. */
    public EventCodec(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** The mapper used by this codec. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /** JSON text of an event's payload. */
    public String encode(Event event) {
        try {
            return mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + event.getClass().getName(), e);
        }
    }

    /** The payload of an event as a JSON tree (what the outbox stores). */
    public JsonNode toTree(Event event) {
        return mapper.valueToTree(event);
    }

    /** Decodes a payload of the given wire type; fails with IllegalArgumentException for unknown types or bad JSON. */
    public Event decode(String type, String json) {
        return decode(EventCatalogue.forType(type).recordClass(), json);
    }

    /** Decodes a payload of the given wire type from UTF-8 bytes. */
    public Event decode(String type, byte[] json) {
        return decode(type, new String(json, StandardCharsets.UTF_8));
    }

    /** Decodes a payload into a known record class; missing required fields fail here too. */
    public <T extends Event> T decode(Class<T> recordClass, String json) {
        try {
            return mapper.readValue(json, recordClass);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot decode " + recordClass.getSimpleName() + " payload: " + e.getOriginalMessage(), e);
        }
    }
}
