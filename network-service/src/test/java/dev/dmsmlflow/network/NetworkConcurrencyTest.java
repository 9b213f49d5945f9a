package dev.dmsmlflow.network;

import dev.dmsmlflow.contracts.instance.InstanceUpdated;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.domain.Network;
import dev.dmsmlflow.network.domain.NetworkStatus;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.platform.problem.ConcurrentChangeException;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two writers of one network: a write based on a stale read changes nothing (optimistic lock, {@code version}) instead of
 * overwriting the other's change, whether the other committed before the read was saved or while its transaction ran;
 * and API changes of an ACL, racing each other, the load balancer's confirmations and the saga's writes of the network
 * row, lose nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class NetworkConcurrencyTest {

    /** How often the saga switches the mode while the API calls run. */
    private static final int SAGA_WRITES = 20;

    @Inject
    NetworkRepository repository;

    @Inject
    NetworkService service;

    private String activeNetwork() {
        String id = Fixtures.newInstanceId();
        Steps.run(id, () -> service.onInstanceRequested(Fixtures.requested(id)));
        assertEquals(NetworkStatus.ACTIVE, repository.find(id).orElseThrow().status());
        return id;
    }

    private static Network withFailureMessage(Network n, String message) {
        return new Network(n.instanceId(), n.workspaceId(), n.vpcId(), n.vSwitchId(), n.secondaryVSwitchId(), n.zoneIds(),
                n.securityGroupId(), n.loadBalancerId(), n.listenerId(), n.aclId(), n.serverGroupId(), n.vpcAddress(), n.vpcPort(),
                n.backendHost(), n.backendPort(), n.status(), n.failureCode(), message, n.createdAt(), Instant.now(), n.version());
    }

    @Test
    void aSaveBasedOnAStaleReadIsRefusedAndTheOtherWritersChangeKept() {
        String id = activeNetwork();
        Network first = repository.find(id).orElseThrow();
        Network second = repository.find(id).orElseThrow();
        assertEquals(first.version(), second.version());

        QuarkusTransaction.requiringNew().run(() -> repository.save(withFailureMessage(first, "written by the first writer")));
        ConcurrentChangeException e = assertThrows(ConcurrentChangeException.class, () -> QuarkusTransaction.requiringNew()
                .run(() -> repository.save(withFailureMessage(second, "written by the second writer"))));
        assertEquals(409, e.problem().status());
        assertEquals("CONCURRENT_CHANGE", e.problem().code());
        assertEquals("id", e.problem().field());
        assertTrue(e.problem().detail().contains(id), e.problem().detail());

        Network stored = repository.find(id).orElseThrow();
        assertEquals("written by the first writer", stored.failureMessage());
        assertEquals(first.version() + 1, stored.version());

        // the loser reads again and retries: now it applies
        Network again = repository.find(id).orElseThrow();
        QuarkusTransaction.requiringNew().run(() -> repository.save(withFailureMessage(again, "written by the second writer")));
        assertEquals("written by the second writer", repository.find(id).orElseThrow().failureMessage());
    }

    @Test
    void aWriterWhoseRowAnotherTransactionChangedMeanwhileFailsAtItsFlushAndChangesNothing() throws Exception {
        String id = activeNetwork();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            RuntimeException lost = assertThrows(RuntimeException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
                Network mine = repository.find(id).orElseThrow();
                // another writer (the worker, the consumer) commits a change of the same row while this transaction runs
                join(other.submit(() -> QuarkusTransaction.requiringNew().run(() ->
                        repository.save(withFailureMessage(repository.find(id).orElseThrow(), "the other writer's")))));
                repository.save(withFailureMessage(mine, "mine"));
                repository.setStep(id, dev.dmsmlflow.network.domain.NetworkStep.APPLY_AUTH, null, null);
                repository.flush();
            }));
            assertTrue(ConcurrentChangeException.isLostRace(lost), lost.toString());
        } finally {
            other.shutdownNow();
        }
        Network stored = repository.find(id).orElseThrow();
        assertEquals("the other writer's", stored.failureMessage());
        assertTrue(repository.step(id).isEmpty(), "the losing transaction's step was not written either");
    }

    private static void join(java.util.concurrent.Future<?> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Several API calls change one ACL at once (additions and removals), while the saga keeps switching the instance's
     * authentication mode (a write of the network row, as the consumer does it, retried like the consumer retries) and
     * every call's confirmation by the load balancer writes the entries too. Every answered change is in the ACL, every
     * answered removal gone, the last mode the saga wrote is stored: no writer's change is lost.
     */
    @Test
    void concurrentAclChangesAndSagaWritesOfOneNetworkLoseNothing() throws Exception {
        String id = activeNetwork();
        List<String> kept = List.of("10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24");
        List<String> removed = List.of("10.2.0.0/24", "10.2.1.0/24", "10.2.2.0/24", "10.2.3.0/24");
        List<String> added = List.of("10.3.0.0/24", "10.3.1.0/24", "10.3.2.0/24", "10.3.3.0/24");
        List<String> initial = new ArrayList<>(kept);
        initial.addAll(removed);
        for (String cidr : initial) {
            add(id, cidr).then().statusCode(200);
        }

        ExecutorService pool = Executors.newFixedThreadPool(9);
        // every writer starts at once, when this completes
        CompletableFuture<Void> go = new CompletableFuture<>();
        AtomicBoolean sagaRunning = new AtomicBoolean(true);
        AtomicReference<String> lastMode = new AtomicReference<>();
        try {
            CompletableFuture<Integer> saga = CompletableFuture.supplyAsync(() -> {
                go.join();
                int writes = 0;
                for (int i = 0; i < SAGA_WRITES && sagaRunning.get(); i++) {
                    String mode = i % 2 == 0 ? "token" : "network";
                    ConcurrentChangeException.retrying(20, NetworkRepository.KIND, id, () -> {
                        QuarkusTransaction.requiringNew().run(() -> service.onInstanceUpdated(new InstanceUpdated(id, Fixtures.WORKSPACE,
                                "my-mlflow", null, mode, Instant.now())));
                        return null;
                    });
                    lastMode.set(mode);
                    writes++;
                }
                return writes;
            }, pool);
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String add = added.get(i);
                String remove = removed.get(i);
                calls.add(CompletableFuture.supplyAsync(() -> {
                    go.join();
                    return add(id, add);
                }, pool));
                calls.add(CompletableFuture.supplyAsync(() -> {
                    go.join();
                    return ServiceTokens.editorOf(Fixtures.WORKSPACE).queryParam("cidr", remove)
                            .when().delete("/networks/" + id + "/acl/entries").andReturn();
                }, pool));
            }
            go.complete(null);
            Set<String> expected = new HashSet<>(kept);
            Set<String> absent = new HashSet<>();
            for (int i = 0; i < calls.size(); i++) {
                Response r = calls.get(i).get(120, TimeUnit.SECONDS);
                String cidr = i % 2 == 0 ? added.get(i / 2) : removed.get(i / 2);
                boolean addition = i % 2 == 0;
                if (r.statusCode() == 409) {
                    // refused after losing every try: nothing of it was written, the entry is as before
                    assertEquals("CONCURRENT_CHANGE", r.jsonPath().getString("code"), r.asString());
                    (addition ? absent : expected).add(cidr);
                } else {
                    assertTrue(r.statusCode() == 200 || r.statusCode() == 202, r.statusCode() + " " + r.asString());
                    (addition ? expected : absent).add(cidr);
                }
            }
            assertTrue(saga.get(120, TimeUnit.SECONDS) > 0);

            Steps.settle(id);
            Set<String> listed = new HashSet<>(ServiceTokens.editorOf(Fixtures.WORKSPACE).queryParam("pageSize", 100)
                    .when().get("/networks/" + id + "/acl/entries").then().statusCode(200).extract().jsonPath().getList("items.cidr"));
            assertEquals(expected, listed);
            absent.forEach(cidr -> assertFalse(listed.contains(cidr), cidr));
            String mode = lastMode.get();
            assertNotNull(mode);
            assertEquals(mode, repository.authMode(id), "the saga's last write of the network row was kept");
            assertEquals(mode, ServiceTokens.editorOf(Fixtures.WORKSPACE).when().get("/networks/" + id).then().statusCode(200)
                    .extract().jsonPath().getString("authMode"));
        } finally {
            sagaRunning.set(false);
            pool.shutdownNow();
        }
    }

    private static Response add(String id, String cidr) {
        return ServiceTokens.editorOf(Fixtures.WORKSPACE).contentType(ContentType.JSON)
                .body(Map.of("cidr", cidr, "description", "writer " + cidr))
                .when().post("/networks/" + id + "/acl/entries").andReturn();
    }
}
