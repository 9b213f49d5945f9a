package dev.dmsmlflow.network.domain;

import java.time.Instant;

/**
 * What a load balancer's health check knows of its backend (the tracking server): a verdict that changes only after a
 * run of checks in a row, like an ALB's healthy and unhealthy thresholds. Immutable: each check gives a new value.
 * Never carries the backend's address.
 *
 * @param status        the verdict; {@code UNKNOWN} until a threshold is first reached (or while no backend is registered)
 * @param since         when the current status began
 * @param lastCheckedAt when the last check ended (null before the first)
 * @param reason        why the last check failed (null when it passed, or before the first)
 * @param failuresInARow checks failed in a row up to now (0 after a pass)
 * @param passesInARow  checks passed in a row up to now (0 after a failure)
 */
public record BackendHealth(Status status, Instant since, Instant lastCheckedAt, String reason, int failuresInARow,
                            int passesInARow) {

    /** The verdict of the health check. */
    public enum Status {
        HEALTHY, UNHEALTHY, UNKNOWN
    }

    /** No verdict yet, from {@code since} on; {@code reason} says why (null: simply not checked yet). */
    public static BackendHealth unknown(Instant since, String reason) {
        return new BackendHealth(Status.UNKNOWN, since, null, reason, 0, 0);
    }

    /** After a passed check: HEALTHY once {@code healthyThreshold} passed in a row. */
    public BackendHealth passed(Instant at, int healthyThreshold) {
        int passes = passesInARow + 1;
        Status next = status != Status.HEALTHY && passes >= healthyThreshold ? Status.HEALTHY : status;
        return new BackendHealth(next, next == status ? since : at, at, null, 0, passes);
    }

    /** After a failed check: UNHEALTHY once {@code unhealthyThreshold} failed in a row. */
    public BackendHealth failed(Instant at, String why, int unhealthyThreshold) {
        int failures = failuresInARow + 1;
        Status next = status != Status.UNHEALTHY && failures >= unhealthyThreshold ? Status.UNHEALTHY : status;
        return new BackendHealth(next, next == status ? since : at, at, why, failures, 0);
    }
}
