package dev.dmsmlflow.instance;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.instance.domain.Instance;
import dev.dmsmlflow.instance.domain.InstanceStatus;
import dev.dmsmlflow.instance.domain.SagaStep;
import dev.dmsmlflow.platform.problem.ConcurrentChangeException;
import dev.dmsmlflow.instance.persistence.InstanceRepository;
import dev.dmsmlflow.instance.support.Bus;
import dev.dmsmlflow.instance.support.NetworkServiceStandIn;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two writers of one instance: a write based on a stale read fails (optimistic lock, {@code version}) instead of
 * overwriting the other's change, and the API's writers (PATCH, release) serialize on the row, so neither change is lost.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "instance"))
@QuarkusTestResource(NetworkServiceStandIn.class)
class InstanceConcurrencyTest {

    static Bus bus;

    @Inject
    InstanceRepository repository;

    @BeforeAll
    static void bus() {
        bus = new Bus();
    }

    @AfterAll
    static void closeBus() {
        bus.close();
    }

    @Test
    void aWriteBasedOnAStaleReadIsRefusedAndTheOtherWritersChangeKept() {
        String id = stoppedInstance(InstanceApiTest.workspace());
        Instance first = repository.find(id).orElseThrow();
        Instance second = repository.find(id).orElseThrow();
        assertEquals(first.version, second.version);

        first.description = "written by the first writer";
        QuarkusTransaction.requiringNew().run(() -> repository.update(first));
        second.description = "written by the second writer";
        assertThrows(ConcurrentChangeException.class, () -> QuarkusTransaction.requiringNew().run(() -> repository.update(second)));

        Instance stored = repository.find(id).orElseThrow();
        assertEquals("written by the first writer", stored.description);
        assertEquals(first.version, stored.version);
        assertNotEquals(second.version, stored.version);

        // the loser reads again and retries: now it applies
        Instance retried = repository.find(id).orElseThrow();
        retried.description = "written by the second writer";
        QuarkusTransaction.requiringNew().run(() -> repository.update(retried));
        assertEquals("written by the second writer", repository.find(id).orElseThrow().description);
    }

    @Test
    void aStaleWriteThroughTheApiIsA409NamingTheInstance() {
        String ws = InstanceApiTest.workspace();
        String id = stoppedInstance(ws);
        Instance stale = repository.find(id).orElseThrow();
        InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("description", "edited")).patch("/instances/" + id)
                .then().statusCode(200);
        stale.name = "stale";
        ConcurrentChangeException e = assertThrows(ConcurrentChangeException.class,
                () -> QuarkusTransaction.requiringNew().run(() -> repository.update(stale)));
        assertEquals(409, e.problem().status());
        assertEquals("id", e.problem().field());
        assertTrue(e.problem().detail().contains(id), e.problem().detail());
        assertEquals("edited", repository.find(id).orElseThrow().description);
        assertNotEquals("stale", repository.find(id).orElseThrow().name);
    }

    @Test
    void anEditAndAReleaseAtTheSameTimeLoseNeitherChange() throws Exception {
        String ws = InstanceApiTest.workspace();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                String id = stoppedInstance(ws);
                String name = "renamed-" + round;
                CountDownLatch go = new CountDownLatch(1);
                CompletableFuture<Response> edit = CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return InstanceApiTest.as(ws).contentType(ContentType.JSON).body(Map.of("name", name))
                            .patch("/instances/" + id).andReturn();
                }, pool);
                CompletableFuture<Response> release = CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return InstanceApiTest.as(ws).contentType(ContentType.JSON).post("/instances/" + id + "/release").andReturn();
                }, pool);
                go.countDown();
                Response edited = edit.get(60, TimeUnit.SECONDS);
                Response released = release.get(60, TimeUnit.SECONDS);

                assertEquals(202, released.statusCode(), released.asString());
                Instance stored = repository.find(id).orElseThrow();
                assertTrue(stored.status == InstanceStatus.RELEASING || stored.status == InstanceStatus.RELEASED, stored.toString());
                if (edited.statusCode() == 200) {
                    assertEquals(name, stored.name, "an accepted edit was lost");
                } else {
                    // the release came first: the edit is refused, not silently dropped
                    assertEquals(409, edited.statusCode(), edited.asString());
                    assertNotEquals(name, stored.name);
                }
                bus.publish(new dev.dmsmlflow.contracts.network.NetworkReleased(id, ws, null, Instant.now()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A STOPPED instance (no tracking server, no step for the saga worker). */
    private String stoppedInstance(String ws) {
        Instance i = new Instance();
        i.id = UUID.randomUUID().toString();
        i.workspaceId = ws;
        i.name = "writers";
        i.vpcId = "vpc-local";
        i.vSwitchId = "vsw-a";
        i.secondaryVSwitchId = "vsw-b";
        i.securityGroupId = "sg-basic";
        i.ossBucket = InstanceApiTest.bucketOf(ws);
        i.ossPath = "writers/" + i.id;
        i.spec = "mlflow.small";
        i.status = InstanceStatus.STOPPED;
        i.trackingDatabase = "mlflow_" + i.id.replace("-", "");
        i.createdAt = Instant.now();
        i.updatedAt = i.createdAt;
        QuarkusTransaction.requiringNew().run(() -> repository.insert(i));
        return i.id;
    }

    @Test
    void aSagaStepIsExecutedByTheReplicaHoldingItsLeaseAndTakenOverOnlyOnceTheLeaseLapses() {
        String id = stoppedInstance(InstanceApiTest.workspace());
        // a pending step (one this service's own worker leaves alone: it waits for network-service)
        QuarkusTransaction.requiringNew().run(() -> setStep(id, "AWAIT_BACKEND"));
        SagaStep step = SagaStep.AWAIT_BACKEND;
        java.time.Duration lease = java.time.Duration.ofMinutes(5);
        boolean a = repository.claimStep(id, step, "replica-a", lease);
        boolean b = repository.claimStep(id, step, "replica-b", lease);
        assertTrue(a && !b, "the first replica holds the step, the second does not get it");
        String holder = a ? "replica-a" : "replica-b";
        String other = a ? "replica-b" : "replica-a";
        assertTrue(repository.claimStep(id, step, holder, lease), "the holder claims its own step again (a restart in place)");
        assertFalse(repository.claimStep(id, step, other, lease), "nobody else while the lease runs");
        assertEquals(1, repository.renewLeases(holder, List.of(id), lease));
        assertEquals(0, repository.renewLeases(other, List.of(id), lease), "only the holder renews");
        // the holder dies: its lease lapses, then another replica takes the step over
        QuarkusTransaction.requiringNew().run(() -> repository.getEntityManager()
                .createNativeQuery("UPDATE instance SET step_lease_until = now() - interval '1 second' WHERE id = ?1")
                .setParameter(1, id).executeUpdate());
        assertTrue(repository.claimStep(id, step, other, lease), "a lapsed lease is taken over");
        repository.releaseStep(id, holder); // a late release of the old holder changes nothing
        assertFalse(repository.claimStep(id, step, holder, lease), "the step is the other's now");
        repository.releaseStep(id, other);
        // a step that is no longer pending cannot be claimed
        assertFalse(repository.claimStep(id, SagaStep.RELEASE, holder, lease));
    }

    private void setStep(String id, String step) {
        repository.getEntityManager().createNativeQuery("UPDATE instance SET saga_step = ?1 WHERE id = ?2")
                .setParameter(1, step).setParameter(2, id).executeUpdate();
    }
}
