package dev.dmsmlflow.instance.provider.compute;

import org.jboss.logging.Logger;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the remote compute providers (Elastic Container Instance, Kubernetes) share about an instance's tracking servers:
 * the two slots a server can run in (the serving one and, during a resize, its successor on the next port), one lock per
 * instance around whatever changes its servers, the instances a server is being started for right now (their liveness is
 * no verdict meanwhile), and the rule that a provider API that does not answer is no verdict on the server either: it
 * counts as running and live, so nothing is restarted or replaced on a guess.
 */
public final class ServerSlots {

    /** The two places a tracking server of one instance can run: the serving one and, during a resize, its successor. */
    public enum Slot {
        A, B;

        public Slot other() {
            return this == A ? B : A;
        }

        /** The slot in names and labels: {@code a} or {@code b}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A look at the provider's API that may not get an answer. */
    @FunctionalInterface
    public interface Probe {
        boolean test() throws ComputeException;
    }

    /** Starting a server: what runs while the instance counts as starting. */
    @FunctionalInterface
    public interface Start<T> {
        T run() throws ComputeException;
    }

    private final int basePort;
    private final Logger log;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Set<String> starting = ConcurrentHashMap.newKeySet();

    /** Slot A serves on {@code basePort}, slot B on the next port; failures to get an answer are logged to {@code log}. */
    public ServerSlots(int basePort, Logger log) {
        this.basePort = basePort;
        this.log = log;
    }

    public int port(Slot slot) {
        return slot == Slot.A ? basePort : basePort + 1;
    }

    public Slot slotOf(int port) {
        return port == basePort + 1 ? Slot.B : Slot.A;
    }

    /** The slot of the port a request prefers (the one recorded for the instance), A when it names none. */
    public Slot slotFor(Integer preferredPort) {
        return preferredPort == null ? Slot.A : slotOf(preferredPort);
    }

    /** The lock of one instance's servers: starts, replacements, retirements and stops of one instance never overlap. */
    public Object lock(String instanceId) {
        return locks.computeIfAbsent(instanceId, k -> new Object());
    }

    /** Runs {@code start} with the instance marked as starting: {@link #isLive} says yes meanwhile. */
    public <T> T starting(String instanceId, Start<T> start) throws ComputeException {
        starting.add(instanceId);
        try {
            return start.run();
        } finally {
            starting.remove(instanceId);
        }
    }

    /** {@code probe}'s answer; true when the provider's API did not answer. */
    public boolean isRunning(String instanceId, Probe probe) {
        try {
            return probe.test();
        } catch (ComputeException e) {
            log.warnf("cannot tell whether the tracking server of %s runs: %s", instanceId, e.getMessage());
            return true; // the API did not answer: no verdict on the server, nothing is restarted on this guess
        }
    }

    /** True while a server of the instance is being started, else {@code probe}'s answer; true when the API did not answer. */
    public boolean isLive(String instanceId, Probe probe) {
        if (starting.contains(instanceId)) {
            return true;
        }
        try {
            return probe.test();
        } catch (ComputeException e) {
            log.warnf("cannot probe the tracking server of %s: %s", instanceId, e.getMessage());
            return true; // not a verdict on the server
        }
    }
}
