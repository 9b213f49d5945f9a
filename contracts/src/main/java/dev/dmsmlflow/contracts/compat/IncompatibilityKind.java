package dev.dmsmlflow.contracts.compat;

/** Kinds of schema change that break producers or consumers built against the released contract. */
public enum IncompatibilityKind {
    /** A released event type has no current schema. */
    EVENT_TYPE_REMOVED,
    /** A property of the released schema is gone. */
    PROPERTY_REMOVED,
    /** A value may no longer have a type it was allowed to have (integer to number is a widening and allowed). */
    TYPE_CHANGED,
    /** A property that was optional (or did not exist) is now required; old payloads lack it. */
    NEWLY_REQUIRED,
    /** A value of a released enum is no longer allowed; old payloads may carry it. */
    ENUM_VALUE_REMOVED,
    /** An object that accepted unknown properties no longer does, so adding optional fields would break readers. */
    ADDITIONAL_PROPERTIES_CLOSED,
    /** A numeric, length, count or uniqueness bound, a const or an enum was introduced or made stricter. */
    CONSTRAINT_TIGHTENED,
    /** The schemas use a construct the checker cannot compare safely (e.g. a combinator changed shape). */
    UNCOMPARABLE
}
