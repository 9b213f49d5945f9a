package dev.dmsmlflow.infra;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A server the whole test JVM shares ({@link LocalKafka#shared()}, {@link LocalKafkaCluster#shared()}): started by the
 * first caller, the same one for every later caller; a start that failed is remembered, so every later caller fails at once
 * with that cause instead of waiting through another doomed start.
 */
final class OncePerJvm<T> {

    /** Makes and starts the server. */
    interface Start<T> {
        T start() throws IOException;
    }

    private final String what;
    private final Start<T> start;
    private T started;
    private RuntimeException failure;

    OncePerJvm(String what, Start<T> start) {
        this.what = what;
        this.start = start;
    }

    synchronized T get() {
        if (failure != null) {
            throw new IllegalStateException("the JVM's " + what + " failed to start before", failure);
        }
        if (started == null) {
            try {
                started = start.start();
            } catch (IOException e) {
                failure = new UncheckedIOException(e);
                throw failure;
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        }
        return started;
    }
}
