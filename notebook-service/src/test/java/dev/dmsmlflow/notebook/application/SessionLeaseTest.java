package dev.dmsmlflow.notebook.application;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.notebook.persistence.SessionEntity;
import dev.dmsmlflow.notebook.persistence.SessionRepository;
import dev.dmsmlflow.notebook.provider.runtime.NotebookRuntime;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas of notebook-service never work on one session at once: the lease on a session's pending work, on the real
 * PostgreSQL. This replica's own worker is off, so only the replicas named here ({@code replica-a}, {@code replica-b}) claim.
 */
@QuarkusTest
@TestProfile(SessionLeaseTest.WorkerOff.class)
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "notebook"))
class SessionLeaseTest {

    /**
     * The worker of the service under test stays off: the test plays the replicas. Its idle check waits an hour, so a
     * session a test made RUNNING (with no runtime behind it) is not found lost meanwhile.
     */
    public static class WorkerOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dms.notebook.worker.enabled", "false", "dms.notebook.idle.check-interval", "1h");
        }
    }

    static final Duration LEASE = Duration.ofMinutes(5);

    @Inject
    SessionRepository sessions;

    @Inject
    SessionService service;

    @Inject
    EntityManager em;

    @Test
    void twoReplicasClaimingTheSameActionAtOnceExactlyOneWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                String id = session("STOPPING", "STOP_RUNTIME", false);
                CountDownLatch go = new CountDownLatch(1);
                CompletableFuture<Boolean> a = CompletableFuture.supplyAsync(() -> claimAfter(go, id, "replica-a"), pool);
                CompletableFuture<Boolean> b = CompletableFuture.supplyAsync(() -> claimAfter(go, id, "replica-b"), pool);
                go.countDown();
                boolean aWon = a.get(30, TimeUnit.SECONDS);
                boolean bWon = b.get(30, TimeUnit.SECONDS);
                assertNotEquals(aWon, bWon, "exactly one replica holds the session (round " + round + ")");
                assertEquals(aWon ? "replica-a" : "replica-b", owner(id));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theHolderReclaimsAtOnceAndAnotherReplicaOnlyOnceTheLeaseLapsed() {
        String id = session("STARTING", "PROVISION", false);
        assertTrue(sessions.claimWork(id, "replica-a", LEASE));
        assertFalse(sessions.claimWork(id, "replica-b", LEASE), "nobody else while the lease runs");
        assertTrue(sessions.claimWork(id, "replica-a", LEASE), "the same replica (restarted in place) takes it back at once");
        assertEquals(1, sessions.renewLeases("replica-a", List.of(id), LEASE));
        assertEquals(0, sessions.renewLeases("replica-b", List.of(id), LEASE), "only the holder renews");
        assertFalse(sessions.claimWork(id, "replica-b", LEASE), "a renewed lease still runs");

        lapse(id); // replica-a died: its lease lapses, then another replica takes the session over
        assertTrue(sessions.claimWork(id, "replica-b", LEASE), "a lapsed lease is taken over");
        assertEquals("replica-b", owner(id));
        sessions.releaseWork(id, "replica-a"); // a late release of the old holder changes nothing
        assertEquals("replica-b", owner(id));
        assertFalse(sessions.claimWork(id, "replica-a", LEASE), "the session is the other replica's now");

        sessions.releaseWork(id, "replica-b");
        assertNull(owner(id), "released after the work");
        assertTrue(sessions.claimWork(id, "replica-a", LEASE), "a released session is anybody's");
    }

    @Test
    void aSessionWithoutPendingWorkIsNotClaimed() {
        String id = session("STOPPED", null, false);
        assertFalse(sessions.claimWork(id, "replica-a", LEASE));
        assertNull(owner(id));
        String wiring = session("STARTING", null, true);
        assertTrue(sessions.claimWork(wiring, "replica-a", LEASE), "a tracking URI to hand over is work too");
    }

    @Test
    void aWorkerThatLostItsLeaseRecordsNoOutcomeAndTheNewHolderDoes() {
        String id = session("STARTING", "PROVISION", false);
        assertTrue(sessions.claimWork(id, "replica-a", LEASE));
        lapse(id);
        assertTrue(sessions.claimWork(id, "replica-b", LEASE));

        service.runtimeFailed(id, "replica-a", "PACKAGES_FAILED", "late outcome of the replica that lost the session");
        assertEquals(List.of("STARTING", "PROVISION"), statusAndAction(id), "the old holder's outcome is not recorded");

        service.runtimeFailed(id, "replica-b", "PACKAGES_FAILED", "outcome of the holder");
        assertEquals(java.util.Arrays.asList("FAILED", null), statusAndAction(id));

        String wiring = session("STARTING", null, true);
        assertTrue(sessions.claimWork(wiring, "replica-a", LEASE));
        lapse(wiring);
        assertTrue(sessions.claimWork(wiring, "replica-b", LEASE));
        service.wired(wiring, "replica-a", "http://127.0.0.1:9/");
        assertTrue(wiringDirty(wiring), "the old holder's hand-over is not recorded");
        service.wired(wiring, "replica-b", "http://127.0.0.1:9/");
        assertFalse(wiringDirty(wiring));
    }

    @Test
    void aRuntimeAtAnAddressOfItsOwnIsReportedThereWhileItRuns() {
        String id = session("STARTING", "PROVISION", false);
        assertTrue(sessions.claimWork(id, "replica-a", LEASE));
        service.runtimeReady(id, "replica-a", new NotebookRuntime.Started(8888, "3.11", null, "k", "limits", "10.244.7.31"));
        assertEquals(List.of("RUNNING", "10.244.7.31"), statusAndReportedAddress(id), "the Pod's IP, not the allocated 127.0.100.9");

        String local = session("STARTING", "PROVISION", false);
        assertTrue(sessions.claimWork(local, "replica-a", LEASE));
        service.runtimeReady(local, "replica-a", new NotebookRuntime.Started(8888, "3.11", null, "k", "limits"));
        assertEquals(List.of("RUNNING", "127.0.100.9"), statusAndReportedAddress(local), "no address of its own: the allocated one");

        service.stop("ws-" + id, id);
        assertEquals("127.0.100.9", statusAndReportedAddress(id).get(1), "a stopping session has no runtime address any more");
    }

    private List<String> statusAndReportedAddress(String id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            SessionEntity s = sessions.findById(id);
            return List.of(s.status.name(), s.reportedAddress());
        });
    }

    private boolean claimAfter(CountDownLatch go, String id, String owner) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return sessions.claimWork(id, owner, LEASE);
    }

    /** A session row of a workspace of its own, with the given status, pending action and hand-over flag. */
    private String session(String status, String action, boolean wiringDirty) {
        String id = "nb-lease-" + UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                        INSERT INTO notebook_session (id, workspace_id, name, cluster_id, vpc_id, address, image, spec,
                          development_mode, profile, idle_release_minutes, packages, env_names, status, pending_action,
                          wiring_dirty, tracking_uri, created_at, updated_at)
                        VALUES (?1, ?2, 'lease', ?3, 'vpc-local', '127.0.100.9', 'Python3.11:1.1.0-slim', '1C4G', false,
                          'default', 60, '', '', ?4, CAST(?5 AS varchar), ?6, 'http://127.0.0.1:9/', now(), now())""")
                .setParameter(1, id).setParameter(2, "ws-" + id).setParameter(3, "cl-" + id).setParameter(4, status)
                .setParameter(5, action).setParameter(6, wiringDirty).executeUpdate());
        return id;
    }

    private void lapse(String id) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                        "UPDATE notebook_session SET action_lease_until = now() - interval '1 second' WHERE id = ?1")
                .setParameter(1, id).executeUpdate());
    }

    private String owner(String id) {
        return QuarkusTransaction.requiringNew().call(() -> (String) em.createNativeQuery(
                "SELECT action_owner FROM notebook_session WHERE id = ?1").setParameter(1, id).getSingleResult());
    }

    private List<String> statusAndAction(String id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Object[] row = (Object[]) em.createNativeQuery("SELECT status, pending_action FROM notebook_session WHERE id = ?1")
                    .setParameter(1, id).getSingleResult();
            return java.util.Arrays.asList((String) row[0], (String) row[1]);
        });
    }

    private boolean wiringDirty(String id) {
        return QuarkusTransaction.requiringNew().call(() -> (Boolean) em.createNativeQuery(
                "SELECT wiring_dirty FROM notebook_session WHERE id = ?1").setParameter(1, id).getSingleResult());
    }
}
