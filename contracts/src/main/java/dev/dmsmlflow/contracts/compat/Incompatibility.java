package dev.dmsmlflow.contracts.compat;

/**
 * One incompatible difference between a released schema and the current one.
 *
 * @param eventType event type whose schema changed
 * @param path location in the payload, e.g. {@code $.added[].cidr}
 * @param kind what kind of break it is
 * @param detail human-readable explanation
 */
public record Incompatibility(String eventType, String path, IncompatibilityKind kind, String detail) {

    @Override
    public String toString() {
        return eventType + " " + path + ": " + kind + " (" + detail + ")";
    }
}
