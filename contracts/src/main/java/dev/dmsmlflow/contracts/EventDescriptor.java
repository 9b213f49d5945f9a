package dev.dmsmlflow.contracts;

import java.util.Objects;

/**
 * What the catalogue knows about one event type.
 *
 * @param type wire name of the event type (CloudEvent {@code type})
 * @param recordClass Java record carrying the payload
 * @param aggregateType aggregate type, which decides the topic
 * @param aggregateIdProperty JSON property of the payload holding the aggregate id (the record key)
 */
public record EventDescriptor(
        String type,
        Class<? extends Event> recordClass,
        AggregateType aggregateType,
        String aggregateIdProperty) {

    /** Version of the contract these descriptors describe; part of the resource paths. */
    public static final String CONTRACT_VERSION = "v1";

    public EventDescriptor {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(recordClass, "recordClass");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(aggregateIdProperty, "aggregateIdProperty");
    }

    /** Kafka topic the event is published on. */
    public String topic() {
        return aggregateType.topic();
    }

    /** Classpath resource of the event's JSON Schema. */
    public String schemaResource() {
        return "contracts/" + CONTRACT_VERSION + "/schemas/" + type + ".schema.json";
    }

    /** Classpath resource of the event's example payload. */
    public String exampleResource() {
        return "contracts/" + CONTRACT_VERSION + "/examples/" + type + ".json";
    }
}
