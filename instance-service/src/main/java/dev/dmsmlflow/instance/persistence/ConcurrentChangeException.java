package dev.dmsmlflow.instance.persistence;

import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;

/**
 * Another transaction changed the instance between read and write (its {@code version} moved on): nothing is written. A
 * caller answering an API request returns it as a 409 problem naming the instance; the saga worker retries the step.
 */
public class ConcurrentChangeException extends ProblemException {
    public ConcurrentChangeException(String instanceId) {
        super(Problem.of("conflict", "Conflict with current state", 409, "Instance " + instanceId
                + " was changed by another request meanwhile; nothing was written. Read it again and retry.", "id")
                .withCode("CONCURRENT_CHANGE"));
    }
}
