package dev.dmsmlflow.platform.messaging;

import dev.dmsmlflow.contracts.DeadLetters;

/**
 * A record that will never be handled as it is (a poison event): the consumer writes it to its service's dead-letter
 * topic with this reason and goes on with the partition's next record.
 */
public final class DeadLetterException extends RuntimeException {

    private final DeadLetters.Kind kind;
    private final int attempts;

    public DeadLetterException(DeadLetters.Kind kind, String reason, int attempts, Throwable cause) {
        super(kind.wireName() + ": " + reason, cause);
        this.kind = kind;
        this.attempts = attempts;
    }

    public DeadLetterException(DeadLetters.Kind kind, String reason) {
        this(kind, reason, 1, null);
    }

    public DeadLetters.Kind kind() {
        return kind;
    }

    /** Handling attempts made (1 when the record could not be handled at all). */
    public int attempts() {
        return attempts;
    }
}
