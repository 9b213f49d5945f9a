package dev.dmsmlflow.network.api;

import dev.dmsmlflow.contracts.network.AlbAclUpdated;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.network.application.NetworkService;
import dev.dmsmlflow.network.support.EchoBackend;
import dev.dmsmlflow.network.support.Fixtures;
import dev.dmsmlflow.network.support.HeldLoadBalancers;
import dev.dmsmlflow.network.support.OpenTransactions;
import dev.dmsmlflow.network.support.OutboxRows;
import dev.dmsmlflow.network.support.RawHttp;
import dev.dmsmlflow.network.support.Steps;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Issue 15 with the local load balancer: an ACL change and token changes through the API reach the load balancer after
 * their transaction committed. While the load balancer's call is kept waiting, PostgreSQL shows no transaction of the
 * service open, and the load balancer (and the diagnosis) still judge by what it was told before; once the call returns,
 * the API answers as before and the change is enforced. (Alibaba Cloud's ACL jobs: {@code StepsOutsideTransactionsIT}.)
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "network"))
class ChangesOutsideTransactionsIT {

    @Inject
    NetworkService service;

    @Inject
    AgroalDataSource dataSource;

    private static RequestSpecification as() {
        return ServiceTokens.editorOf(Fixtures.WORKSPACE);
    }

    /** Samples the database a few times while the held call waits. */
    private void noTransactionOpenFor(String what) throws Exception {
        for (int sample = 0; sample < 5; sample++) {
            assertEquals(List.of(), OpenTransactions.of(dataSource), "transactions open while " + what + " waits");
        }
    }

    private int aclEvents(String instanceId) {
        return OutboxRows.count(dataSource, instanceId, AlbAclUpdated.TYPE);
    }

    /** A check made while the held call waits. */
    @FunctionalInterface
    private interface Meanwhile {
        void check() throws Exception;
    }

    /**
     * Makes {@code call} (an API call, in the background) while the load balancer keeps {@code held} waiting; meanwhile
     * PostgreSQL must show no open transaction of the service, and {@code meanwhile} checks what else holds then.
     */
    private Response whileHeld(HeldLoadBalancers.Call held, String what, Supplier<Response> call, Meanwhile meanwhile) throws Exception {
        HeldLoadBalancers.hold(held);
        CompletableFuture<Response> running;
        try {
            running = CompletableFuture.supplyAsync(call);
            HeldLoadBalancers.awaitWaiting(held);
            noTransactionOpenFor(what);
            meanwhile.check();
        } finally {
            HeldLoadBalancers.release(held);
        }
        return running.get(60, TimeUnit.SECONDS);
    }

    @Test
    void anAclEntryIsToldToTheLoadBalancerAfterItsTransactionAndEnforcedWhenTheCallReturns() throws Exception {
        String id = Fixtures.newInstanceId();
        Steps.run(id, () -> service.onInstanceRequested(Fixtures.requested(id)));
        try (EchoBackend backend = new EchoBackend()) {
            Steps.run(id, () -> service.onInstanceDeployed(Fixtures.deployed(id, backend.port())));
            JsonPath n = as().get("/networks/" + id).then().statusCode(200).extract().jsonPath();
            String host = n.getString("vpcAddress");
            int port = n.getInt("vpcPort");

            Response added = whileHeld(HeldLoadBalancers.Call.ADD_ACL_ENTRIES, "the ACL entry's addition", () -> as()
                    .contentType(ContentType.JSON).body(Map.of("cidr", "127.0.0.1", "description", "notebook"))
                    .post("/networks/" + id + "/acl/entries"), () -> {
                // recorded, not yet at the load balancer: refused there, and the diagnosis says so
                assertEquals(403, RawHttp.get("127.0.0.1", host, port, "/").status());
                as().queryParam("source", "127.0.0.1").get("/networks/" + id + "/diagnose").then().statusCode(200)
                        .body("layers.find { it.layer == 'acl' }.admitted", equalTo(false));
                assertEquals(0, aclEvents(id), "AlbAclUpdated follows the load balancer's confirmation");
            });
            assertEquals(200, added.statusCode(), added.asString());
            assertEquals("127.0.0.1/32", added.jsonPath().getString("added[0].cidr"));
            assertNull(added.jsonPath().get("pending"), "confirmed, not pending");
            assertEquals(200, RawHttp.get("127.0.0.1", host, port, "/").status(), "enforced when the call returned");
            as().queryParam("source", "127.0.0.1").get("/networks/" + id + "/diagnose").then().statusCode(200)
                    .body("layers.find { it.layer == 'acl' }.admitted", equalTo(true));
            assertEquals(1, aclEvents(id));
        }
    }

    @Test
    void tokenChangesReachTheLoadBalancerOutsideTheirTransaction() throws Exception {
        String id = Fixtures.newInstanceId();
        Steps.run(id, () -> service.onInstanceRequested(Fixtures.requestedWithTokens(id)));
        try (EchoBackend backend = new EchoBackend()) {
            Steps.run(id, () -> service.onInstanceDeployed(Fixtures.deployed(id, backend.port())));
            as().contentType(ContentType.JSON).body(Map.of("cidr", "127.0.0.1")).post("/networks/" + id + "/acl/entries")
                    .then().statusCode(200);
            JsonPath n = as().get("/networks/" + id).then().statusCode(200).body("authMode", equalTo("token")).extract().jsonPath();
            String host = n.getString("vpcAddress");
            int port = n.getInt("vpcPort");

            Response created = whileHeld(HeldLoadBalancers.Call.AUTHENTICATION, "the new token's hand-over", () -> as()
                    .contentType(ContentType.JSON).body(Map.of("name", "notebook", "scope", "read-write"))
                    .post("/networks/" + id + "/tokens"), () -> { });
            assertEquals(201, created.statusCode(), created.asString());
            String token = created.jsonPath().getString("token");
            Map<String, String> bearer = Map.of("Authorization", "Bearer " + token);
            assertEquals(200, RawHttp.request("127.0.0.1", host, port, "GET", "/", null, bearer).status(),
                    "the load balancer took the token before the call returned");

            Response revoked = whileHeld(HeldLoadBalancers.Call.AUTHENTICATION, "the revocation's hand-over",
                    () -> as().delete("/networks/" + id + "/tokens/" + created.jsonPath().getString("id")), () -> { });
            assertEquals(204, revoked.statusCode(), revoked.asString());
            assertEquals(401, RawHttp.request("127.0.0.1", host, port, "GET", "/", null, bearer).status(),
                    "refused once the revocation returned");
        }
    }
}
