package dev.dmsmlflow.contracts;

import java.util.List;
import java.util.Optional;

/**
 * Which topics each service publishes (through its outbox relay) and consumes, and its consumer group: the one table the
 * Kafka ACLs are granted from (a service's principal, named like the service, may write exactly {@link #writes()} and read
 * exactly {@link #reads()} as a member of {@link #group()}, or of a group whose name starts with it).
 *
 * A service that consumes anything also writes its own dead-letter topic ({@link Topics#deadLetters(String)}), where its
 * consumers put the records they cannot handle; an operator (the super user) reads and replays them.
 *
 * @param service the service, also its Kafka principal ({@code User:<service>})
 * @param writes  topics it publishes to (its dead-letter topic included)
 * @param reads   topics it consumes
 * @param group   its consumer group (and the prefix of any other group it may use), if it consumes anything
 */
public record TopicAccess(String service, List<String> writes, List<String> reads, Optional<String> group) {

    public static final String INSTANCE_SERVICE = "instance-service";
    public static final String NETWORK_SERVICE = "network-service";
    public static final String NOTEBOOK_SERVICE = "notebook-service";
    public static final String BILLING_SERVICE = "billing-service";
    public static final String API_GATEWAY = "api-gateway";

    private static final List<TopicAccess> ALL = List.of(
            new TopicAccess(INSTANCE_SERVICE, List.of(Topics.INSTANCE, Topics.USAGE, Topics.deadLetters(INSTANCE_SERVICE)),
                    List.of(Topics.NETWORK), Optional.of(INSTANCE_SERVICE)),
            new TopicAccess(NETWORK_SERVICE, List.of(Topics.NETWORK, Topics.deadLetters(NETWORK_SERVICE)), List.of(Topics.INSTANCE),
                    Optional.of(NETWORK_SERVICE)),
            // notebook-service learns each workspace's RUNNING instances (and their VPC addresses) from the instance topic
            new TopicAccess(NOTEBOOK_SERVICE, List.of(Topics.NOTEBOOK, Topics.USAGE, Topics.deadLetters(NOTEBOOK_SERVICE)),
                    List.of(Topics.INSTANCE), Optional.of(NOTEBOOK_SERVICE)),
            // billing turns UsageMetered into invoices (the readings' consumer named in the contracts)
            new TopicAccess(BILLING_SERVICE, List.of(Topics.BILLING, Topics.deadLetters(BILLING_SERVICE)), List.of(Topics.USAGE),
                    Optional.of(BILLING_SERVICE)),
            // the gateway publishes nothing yet and consumes nothing
            new TopicAccess(API_GATEWAY, List.of(), List.of(), Optional.empty()));

    public TopicAccess {
        writes = List.copyOf(writes);
        reads = List.copyOf(reads);
    }

    /** Every service's access. */
    public static List<TopicAccess> all() {
        return ALL;
    }

    /** The access of {@code service}. */
    public static Optional<TopicAccess> of(String service) {
        return ALL.stream().filter(a -> a.service.equals(service)).findFirst();
    }

    /** Its dead-letter topic, if it consumes anything. */
    public Optional<String> deadLetterTopic() {
        return group.map(g -> Topics.deadLetters(service));
    }

    /** Every topic of the contracts: one per aggregate type, then the dead-letter topic of each consuming service. */
    public static List<String> topics() {
        List<String> all = new java.util.ArrayList<>(eventTopics());
        all.addAll(deadLetterTopics());
        return List.copyOf(all);
    }

    /** The topics events are published on (one per aggregate type). */
    public static List<String> eventTopics() {
        return java.util.Arrays.stream(AggregateType.values()).map(AggregateType::topic).toList();
    }

    /** The dead-letter topic of every consuming service. */
    public static List<String> deadLetterTopics() {
        return ALL.stream().flatMap(a -> a.deadLetterTopic().stream()).toList();
    }
}
