package dev.dmsmlflow.network.provider.aliyun;

import dev.dmsmlflow.contracts.instance.InstanceRequested;
import dev.dmsmlflow.contracts.network.AlbAclUpdated;
import dev.dmsmlflow.contracts.network.NetworkProvisioned;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.application.NetworkWorker;
import dev.dmsmlflow.network.domain.NetworkStep;
import dev.dmsmlflow.network.persistence.NetworkRepository;
import dev.dmsmlflow.network.support.Kafka;
import dev.dmsmlflow.network.support.OpenTransactions;
import dev.dmsmlflow.network.support.OutboxRows;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15: no database transaction spans a cloud call. A load balancer the fake Alibaba Cloud keeps Provisioning holds the
 * PROVISION step at the cloud while the database shows no open transaction of the service; a step interrupted as by a
 * crash runs again after the restart and finds the same load balancer by its client token.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
@QuarkusTestResource(value = AliyunCloudResource.class, restrictToAnnotatedClass = true)
class StepsOutsideTransactionsIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    NetworkService service;

    @Inject
    NetworkWorker worker;

    @Inject
    NetworkRepository repository;

    @Inject
    AgroalDataSource dataSource;

    private static InstanceRequested requested(String id) {
        return new InstanceRequested(id, "ws-1", "n", null, "vpc-a1", "vsw-h1", "vsw-i1", "sg-basic", "b", "p", "2C4G", null,
                Instant.now());
    }

    private static String newId() {
        return "mlf-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private List<String> openTransactions() throws Exception {
        return OpenTransactions.of(dataSource);
    }

    private long loadBalancersNamed(String id) {
        return AliyunCloudResource.cloud.loadBalancers.values().stream()
                .filter(lb -> ("dms-mlflow-" + id).equals(lb.attrs.get("Name"))).count();
    }

    @Test
    void theProbeSeesATransactionLeftOpen() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM network")) {
                ps.executeQuery().close();
            }
            Thread.sleep(1200);
            assertEquals(1, openTransactions().size(), "an idle transaction of the service's user is seen");
            c.rollback();
        }
    }

    @Test
    void aProvisioningWaitingForTheCloudHoldsNoTransactionOpenAndFinishesWhenTheJobDoes() throws Exception {
        FakeAlibabaCloud cloud = AliyunCloudResource.cloud;
        String id = newId();
        try (Kafka kafka = new Kafka()) {
            cloud.held.add("CreateLoadBalancer");
            try {
                int pollsBefore = cloud.count("GetLoadBalancerAttribute");
                kafka.send(requested(id)); // through the broker and the real consumer
                await("the load balancer to be polled while Provisioning", () -> loadBalancersNamed(id) == 1
                        && cloud.count("GetLoadBalancerAttribute") >= pollsBefore + 5);
                for (int sample = 0; sample < 6; sample++) {
                    List<String> open = openTransactions();
                    assertEquals(List.of(), open, "transactions open while the cloud job is pending");
                    Thread.sleep(500);
                }
                assertTrue(cloud.count("GetLoadBalancerAttribute") >= pollsBefore + 20, "still waiting for the cloud");
                ServiceTokens.viewerOf("ws-1").when().get("/networks/" + id).then().statusCode(200)
                        .body("status", equalTo("PROVISIONING"));
                assertEquals(NetworkStep.PROVISION, repository.step(id).orElseThrow().step());
            } finally {
                cloud.held.remove("CreateLoadBalancer");
            }
            List<Kafka.Received> events = kafka.networkEvents(id,
                    l -> l.stream().anyMatch(e -> e.type().equals(NetworkProvisioned.TYPE)), WAIT);
            assertEquals(1, events.stream().filter(e -> e.type().equals(NetworkProvisioned.TYPE)).count(), events.toString());
        }
        ServiceTokens.viewerOf("ws-1").when().get("/networks/" + id).then().statusCode(200)
                .body("status", equalTo("ACTIVE")).body("vpcPort", equalTo(80));
        assertEquals(1, loadBalancersNamed(id));
    }

    @Test
    void aStepInterruptedLikeByACrashResumesAfterTheRestartWithoutASecondLoadBalancer() throws Exception {
        FakeAlibabaCloud cloud = AliyunCloudResource.cloud;
        String id = newId();
        cloud.held.add("CreateLoadBalancer");
        try {
            int pollsBefore = cloud.count("GetLoadBalancerAttribute");
            QuarkusTransaction.requiringNew().run(() -> service.onInstanceRequested(requested(id)));
            worker.wake();
            await("the load balancer to be polled", () -> loadBalancersNamed(id) == 1
                    && cloud.count("GetLoadBalancerAttribute") >= pollsBefore + 3);
            worker.stop(); // the step is cut off between the cloud call and the record of its outcome
            assertEquals(NetworkStep.PROVISION, repository.step(id).orElseThrow().step(), "still pending");
            ServiceTokens.viewerOf("ws-1").when().get("/networks/" + id).then().statusCode(200)
                    .body("status", equalTo("PROVISIONING"));
            assertEquals(1, loadBalancersNamed(id), "left as it was, for the restart to find");
        } finally {
            cloud.held.remove("CreateLoadBalancer");
            worker.start();
        }
        Steps.settle(id);
        ServiceTokens.viewerOf("ws-1").when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("ACTIVE"));
        assertEquals(1, loadBalancersNamed(id), "the restarted step found the load balancer by its client token");
        String lbId = repository.find(id).orElseThrow().loadBalancerId();
        assertEquals(1, cloud.listeners.values().stream().filter(l -> lbId.equals(l.attrs.get("LoadBalancerId"))).count());
        assertEquals(1, provisionedInOutbox(id));

        // a crash after the cloud call and before its record: the step is pending again with everything made already
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE network SET status = 'PROVISIONING', load_balancer_id = NULL, listener_id = NULL, acl_id = NULL,"
                        + " server_group_id = NULL WHERE instance_id = ?")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
        QuarkusTransaction.requiringNew().run(() -> repository.setStep(id, NetworkStep.PROVISION, null, null));
        Steps.settle(id);
        assertEquals(lbId, repository.find(id).orElseThrow().loadBalancerId());
        assertEquals(1, loadBalancersNamed(id));
        assertEquals(2, provisionedInOutbox(id), "the recorded outcome is announced (once per record)");
    }

    @Test
    void aReleaseArrivingWhileTheProvisioningIsInFlightWinsAndLeavesNothingBehind() throws Exception {
        FakeAlibabaCloud cloud = AliyunCloudResource.cloud;
        String id = newId();
        cloud.held.add("CreateLoadBalancer");
        try {
            int pollsBefore = cloud.count("GetLoadBalancerAttribute");
            QuarkusTransaction.requiringNew().run(() -> service.onInstanceRequested(requested(id)));
            worker.wake();
            await("the load balancer to be polled", () -> loadBalancersNamed(id) == 1
                    && cloud.count("GetLoadBalancerAttribute") >= pollsBefore + 3);
            QuarkusTransaction.requiringNew().run(() -> service.onReleaseRequested(
                    new dev.dmsmlflow.contracts.instance.InstanceReleaseRequested(id, "ws-1", null, Instant.now())));
            assertEquals(NetworkStep.RELEASE, repository.step(id).orElseThrow().step());
        } finally {
            cloud.held.remove("CreateLoadBalancer");
        }
        Steps.settle(id);
        ServiceTokens.viewerOf("ws-1").when().get("/networks/" + id).then().statusCode(200).body("status", equalTo("RELEASED"));
        assertEquals(0, loadBalancersNamed(id), "the load balancer made meanwhile is deleted");
        var released = repository.find(id).orElseThrow();
        assertTrue(released.loadBalancerId() != null && released.aclId() != null, "its ids were kept for the release");
        assertTrue(cloud.listeners.values().stream().noneMatch(l -> released.loadBalancerId().equals(l.attrs.get("LoadBalancerId"))));
        assertTrue(!cloud.acls.containsKey(released.aclId()) && !cloud.serverGroups.containsKey(released.serverGroupId()));
        assertEquals(0, provisionedInOutbox(id), "never announced");
        assertEquals(1, countInOutbox(id, dev.dmsmlflow.contracts.network.NetworkReleased.TYPE));
    }

    private static Response changeAcl(String id, String api, String cidr) {
        RequestSpecification editor = ServiceTokens.editorOf("ws-1");
        return api.equals("AddEntriesToAcl")
                ? editor.contentType(ContentType.JSON).body(Map.of("cidr", cidr)).post("/networks/" + id + "/acl/entries")
                : editor.queryParam("cidr", cidr).delete("/networks/" + id + "/acl/entries");
    }

    @Test
    void anAclChangeWaitingForItsCloudJobHoldsNoTransactionOpen() throws Exception {
        FakeAlibabaCloud cloud = AliyunCloudResource.cloud;
        String id = newId();
        Steps.run(id, () -> service.onInstanceRequested(requested(id)));
        String aclId = repository.find(id).orElseThrow().aclId();
        for (String api : List.of("AddEntriesToAcl", "RemoveEntriesFromAcl")) {
            CompletableFuture<Response> change;
            cloud.held.add(api);
            try {
                int callsBefore = cloud.count(api);
                change = CompletableFuture.supplyAsync(() -> changeAcl(id, api, "192.168.7.0/24"));
                for (int sample = 1; sample <= 6; sample++) {
                    int polls = cloud.count("ListAsynJobs");
                    await("the " + api + " job to be polled", () -> cloud.count(api) > callsBefore
                            && cloud.count("ListAsynJobs") >= polls + 3);
                    assertEquals(List.of(), openTransactions(), "transactions open while " + api + "'s job is pending");
                }
                assertTrue(!change.isDone(), "the API call waits for the load balancer");
            } finally {
                cloud.held.remove(api);
            }
            Response answer = change.get(60, TimeUnit.SECONDS);
            assertEquals(200, answer.statusCode(), answer.asString());
            assertEquals(api.equals("AddEntriesToAcl"), cloud.acls.get(aclId).entries.contains("192.168.7.0/24"));
        }
        assertEquals(2, countInOutbox(id, AlbAclUpdated.TYPE), "one AlbAclUpdated per confirmed change");
        ServiceTokens.viewerOf("ws-1").when().get("/networks/" + id + "/acl/entries").then().statusCode(200)
                .body("items.size()", equalTo(0));
    }

    @Test
    void anAclChangeTheCloudRefusesIsAnsweredPendingAndTheWorkerFinishesIt() throws Exception {
        FakeAlibabaCloud cloud = AliyunCloudResource.cloud;
        String id = newId();
        Steps.run(id, () -> service.onInstanceRequested(requested(id)));
        String aclId = repository.find(id).orElseThrow().aclId();
        FakeAlibabaCloud.Resource acl = cloud.acls.remove(aclId); // the cloud answers ResourceNotFound.Acl for now
        try {
            ServiceTokens.editorOf("ws-1").contentType(ContentType.JSON).body(Map.of("cidr", "192.168.9.0/24", "description", "nb"))
                    .post("/networks/" + id + "/acl/entries").then().statusCode(202)
                    .body("pending", equalTo(true)).body("added[0].cidr", equalTo("192.168.9.0/24")).body("total", equalTo(1));
            ServiceTokens.viewerOf("ws-1").when().get("/networks/" + id + "/acl/entries").then().statusCode(200)
                    .body("items[0].cidr", equalTo("192.168.9.0/24"));
            ServiceTokens.viewerOf("ws-1").queryParam("source", "192.168.9.9").when().get("/networks/" + id + "/diagnose")
                    .then().statusCode(200).body("layers.find { it.layer == 'acl' }.admitted", equalTo(false));
            assertEquals(0, countInOutbox(id, AlbAclUpdated.TYPE), "nothing confirmed, nothing announced");
        } finally {
            cloud.acls.put(aclId, acl);
        }
        await("the worker to add the entry", () -> acl.entries.contains("192.168.9.0/24") && countInOutbox(id, AlbAclUpdated.TYPE) == 1);
        ServiceTokens.viewerOf("ws-1").queryParam("source", "192.168.9.9").when().get("/networks/" + id + "/diagnose")
                .then().statusCode(200).body("layers.find { it.layer == 'acl' }.admitted", equalTo(true));
    }

    private int provisionedInOutbox(String id) throws Exception {
        return countInOutbox(id, NetworkProvisioned.TYPE);
    }

    private int countInOutbox(String id, String type) {
        return OutboxRows.count(dataSource, id, type);
    }
}
