package dev.dmsmlflow.network.support;

import dev.dmsmlflow.network.domain.AccessToken;
import dev.dmsmlflow.network.domain.AclRule;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.NetworkConfig;
import dev.dmsmlflow.network.provider.ProviderException;
import dev.dmsmlflow.network.provider.SignInCodes;
import dev.dmsmlflow.network.provider.local.LocalLoadBalancers;
import dev.dmsmlflow.network.provider.local.LocalNetworkFacts;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Typed;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Tests only: the local load balancers, except that a test can keep a call waiting, as a slow cloud would, while it looks
 * at the database (which must show no transaction of the service open meanwhile). Inert unless a test holds a call; the
 * call then waits until the test releases it (or a minute passes), and proceeds to the real local load balancer.
 */
@Alternative
@Priority(1)
@Singleton
@Typed(LocalLoadBalancers.class)
public class HeldLoadBalancers extends LocalLoadBalancers {

    /** The calls that can be held. */
    public enum Call { AUTHENTICATION, ADD_ACL_ENTRIES }

    private static final Object MONITOR = new Object();
    private static final Set<Call> HELD = new HashSet<>();
    private static final Set<Call> WAITING = new HashSet<>();
    private static final Duration LIMIT = Duration.ofMinutes(1);

    public HeldLoadBalancers(Vertx vertx, LocalNetworkFacts facts, NetworkConfig config, SignInCodes signIns) {
        super(vertx, facts, config, signIns);
    }

    public static void hold(Call call) {
        synchronized (MONITOR) {
            HELD.add(call);
        }
    }

    public static void release(Call call) {
        synchronized (MONITOR) {
            HELD.remove(call);
            MONITOR.notifyAll();
        }
    }

    /** Waits until a call is being held (or fails after a minute). */
    public static void awaitWaiting(Call call) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        synchronized (MONITOR) {
            while (!WAITING.contains(call)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + call + " call reached the load balancer");
                }
                MONITOR.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private static void passing(Call call) {
        synchronized (MONITOR) {
            if (!HELD.contains(call)) {
                return;
            }
            WAITING.add(call);
            MONITOR.notifyAll();
            long deadline = System.nanoTime() + LIMIT.toNanos();
            try {
                while (HELD.contains(call) && System.nanoTime() < deadline) {
                    MONITOR.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                WAITING.remove(call);
            }
        }
    }

    @Override
    public void authentication(Network network, String mode, List<AccessToken> tokens) throws ProviderException {
        passing(Call.AUTHENTICATION);
        super.authentication(network, mode, tokens);
    }

    @Override
    public void addAclEntries(Network network, List<AclRule> entries) throws ProviderException {
        passing(Call.ADD_ACL_ENTRIES);
        super.addAclEntries(network, entries);
    }
}
