package dev.dmsmlflow.contracts;

/** Kafka topic names, one per aggregate type; compile-time constants so annotations and config can use them. */
public final class Topics {

    /** MLflow instance lifecycle events (instance-service). */
    public static final String INSTANCE = "dms.instance";
    /** Load balancer, listener and ACL events of an instance (network-service). */
    public static final String NETWORK = "dms.network";
    /** Notebook session events (notebook-service). */
    public static final String NOTEBOOK = "dms.notebook";
    /** Metered usage readings (instance-service, notebook-service). */
    public static final String USAGE = "dms.usage";
    /** Billing outputs such as completed exports (billing-service). */
    public static final String BILLING = "dms.billing";
    /**
     * Prefix of the dead-letter topics: a consuming service writes the records it cannot handle to
     * {@code dms.dlq.<service>} (see {@link #deadLetters(String)} and {@link DeadLetters}).
     */
    public static final String DEAD_LETTER_PREFIX = "dms.dlq.";

    /** The dead-letter topic of the consuming {@code service}, e.g. {@code dms.dlq.network-service}. */
    public static String deadLetters(String service) {
        if (service == null || !service.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("not a service name: " + service);
        }
        return DEAD_LETTER_PREFIX + service;
    }

    /** Whether {@code topic} is a dead-letter topic. */
    public static boolean isDeadLetters(String topic) {
        return topic != null && topic.startsWith(DEAD_LETTER_PREFIX);
    }

    private Topics() {
    }
}
