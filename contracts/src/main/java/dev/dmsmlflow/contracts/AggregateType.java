package dev.dmsmlflow.contracts;

/** Aggregate types as written in the outbox; each one routes to exactly one topic. */
public enum AggregateType {
    INSTANCE("instance", Topics.INSTANCE),
    NETWORK("network", Topics.NETWORK),
    NOTEBOOK("notebook", Topics.NOTEBOOK),
    USAGE("usage", Topics.USAGE),
    BILLING("billing", Topics.BILLING);

    private final String wireName;
    private final String topic;

    AggregateType(String wireName, String topic) {
        this.wireName = wireName;
        this.topic = topic;
    }

    /** Value of the outbox {@code aggregatetype} column; the relay maps it to {@code dms.<wireName>}. */
    public String wireName() {
        return wireName;
    }

    /** Kafka topic carrying this aggregate type's events. */
    public String topic() {
        return topic;
    }

    /** Looks up an aggregate type by its outbox value. */
    public static AggregateType fromWireName(String wireName) {
        for (AggregateType t : values()) {
            if (t.wireName.equals(wireName)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown aggregate type: " + wireName);
    }
}
