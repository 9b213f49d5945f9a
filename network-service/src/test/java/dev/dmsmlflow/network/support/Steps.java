package dev.dmsmlflow.network.support;

import dev.dmsmlflow.network.application.NetworkWorker;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;

import java.time.Duration;

/**
 * Saga handlers in tests: an intent is recorded in its own transaction (as the consumer does), then the test waits until
 * the network worker has done the step and recorded its outcome.
 */
public final class Steps {

    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Code run in the handler's transaction. */
    @FunctionalInterface
    public interface Intent {
        void run() throws Exception;
    }

    private Steps() {
    }

    /** Records the intent in a transaction of its own, then waits for the instance's step to be done. */
    public static void run(String instanceId, Intent intent) {
        QuarkusTransaction.requiringNew().run(() -> {
            try {
                intent.run();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        settle(instanceId);
    }

    /** Waits until the instance's network has no pending step (its outcome is committed). */
    public static void settle(String instanceId) {
        NetworkRepository repository = Arc.container().instance(NetworkRepository.class).get();
        Arc.container().instance(NetworkWorker.class).get().wake();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (repository.step(instanceId).isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the step of " + instanceId + " is still pending after " + WAIT + ": "
                        + repository.step(instanceId));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
