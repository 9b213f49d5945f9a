package dev.dmsmlflow.instance.persistence;

/** Another transaction changed the instance between read and write; the caller retries or gives up. */
public class ConcurrentChangeException extends RuntimeException {
    public ConcurrentChangeException(String instanceId) {
        super("instance " + instanceId + " changed concurrently");
    }
}
