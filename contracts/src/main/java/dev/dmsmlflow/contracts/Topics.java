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

    private Topics() {
    }
}
