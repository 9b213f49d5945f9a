package dev.dmsmlflow.platform.messaging;

/** What became of one consumed record: the {@code outcome} tag of {@code dms.messaging.consumed}. */
public enum Outcome {
    /** Handled for the first time: the change and its inbox row committed together. */
    HANDLED,
    /** Already handled (the inbox had its id): nothing changed. */
    DUPLICATE,
    /** A type of the contracts this consumer does not act on: logged and counted, deliberately. */
    IGNORED,
    /** Written to the service's dead-letter topic (see {@link DeadLetterException}). */
    DEAD_LETTERED;

    /** The meter tag value, e.g. {@code dead-lettered}. */
    public String tag() {
        return name().toLowerCase().replace('_', '-');
    }
}
