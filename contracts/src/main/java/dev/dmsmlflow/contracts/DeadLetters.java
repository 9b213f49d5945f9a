package dev.dmsmlflow.contracts;

import java.util.List;

/**
 * What a dead letter carries: the original record's key, value and headers (the CloudEvents {@code ce_*} headers and
 * {@code traceparent} included), plus headers saying why and where it came from. A consumer writes one to its service's
 * dead-letter topic ({@link Topics#deadLetters(String)}) instead of blocking its partition; the operator's
 * {@code ./dms events dead-letters} lists them and replays one by publishing the original record to {@link #TOPIC}.
 */
public final class DeadLetters {

    /** Human-readable reason (the SmallRye Kafka connector's header). */
    public static final String REASON = "dead-letter-reason";
    /** The exception's cause, when there is one. */
    public static final String CAUSE = "dead-letter-cause";
    /** Topic of the original record. */
    public static final String TOPIC = "dead-letter-topic";
    /** Partition of the original record (decimal). */
    public static final String PARTITION = "dead-letter-partition";
    /** Offset of the original record (decimal). */
    public static final String OFFSET = "dead-letter-offset";
    /** Class of the exception that dead-lettered the record. */
    public static final String EXCEPTION_CLASS = "dead-letter-exception-class-name";
    /** Class of its cause. */
    public static final String CAUSE_CLASS = "dead-letter-cause-class-name";
    /** Why, as one of {@link Kind}'s wire names. */
    public static final String KIND = "dms-dead-letter-kind";
    /** The consumer (inbox name) that gave up on it. */
    public static final String CONSUMER = "dms-dead-letter-consumer";
    /** How many times handling was tried (1 for a record that could not be handled at all). */
    public static final String ATTEMPTS = "dms-dead-letter-attempts";
    /** When the consumer gave up (ISO-8601 UTC). */
    public static final String DEAD_AT = "dms-dead-letter-at";
    /** On a replayed record: the dead letter it came from ({@code <dead-letter topic>/<partition>/<offset>}). */
    public static final String REPLAYED_FROM = "dms-replayed-from";

    /** Headers a dead letter adds to the original record's; a replay leaves them out. */
    public static final List<String> ADDED = List.of(REASON, CAUSE, TOPIC, PARTITION, OFFSET, EXCEPTION_CLASS, CAUSE_CLASS, KIND,
            CONSUMER, ATTEMPTS, DEAD_AT);

    /** Why a record became a dead letter. */
    public enum Kind {
        /** No CloudEvents id or type: nothing can be deduplicated or dispatched. */
        INCOMPLETE("incomplete"),
        /** A type no contract of this consumer's version knows. */
        UNKNOWN_TYPE("unknown-type"),
        /** A known type whose payload does not decode into its record (breaks its schema). */
        UNDECODABLE("undecodable"),
        /** Handling failed on every try while the service's database answered. */
        FAILED("failed");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        /** Value of the {@link #KIND} header and of the {@code reason} tag of the dead-letter meter. */
        public String wireName() {
            return wireName;
        }
    }

    private DeadLetters() {
    }

    /** Whether {@code header} was added by dead-lettering (and is left out of a replay). */
    public static boolean isAdded(String header) {
        return ADDED.contains(header) || REPLAYED_FROM.equals(header);
    }
}
