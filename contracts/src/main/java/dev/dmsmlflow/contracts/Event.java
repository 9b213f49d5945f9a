package dev.dmsmlflow.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** A versioned event payload; its aggregate id is the Kafka record key and the CloudEvent subject. */
public interface Event {

    /** Id of the aggregate the event belongs to; events of one aggregate stay ordered on its topic. */
    @JsonIgnore
    String aggregateId();

    /** Wire name of the event type (never the Java class name). */
    @JsonIgnore
    default String eventType() {
        return EventCatalogue.forClass(getClass()).type();
    }

    /** Aggregate type, which names the topic the event is published on. */
    @JsonIgnore
    default AggregateType aggregateType() {
        return EventCatalogue.forClass(getClass()).aggregateType();
    }
}
