package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.restassured.response.Response;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayIdempotencyTest {

    @Inject
    AgroalDataSource db;

    @Test
    void aRetryReplaysTheFirstAnswerAndAnotherBodyIs409() {
        String key = Api.unique("idem");
        String name = Api.unique("ws");
        Response first = as(Api.admin()).header("Idempotency-Key", key).body(Map.of("name", name)).post("/api/v1/workspaces");
        first.then().statusCode(201);
        assertNull(first.header("Idempotent-Replayed"));
        Response again = as(Api.admin()).header("Idempotency-Key", key).body(Map.of("name", name)).post("/api/v1/workspaces");
        again.then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(first.path("id")))
                .header("Location", first.header("Location"));
        as(Api.admin()).header("Idempotency-Key", key).body(Map.of("name", name + "-other")).post("/api/v1/workspaces").then()
                .statusCode(409).contentType("application/problem+json").body("code", equalTo("IDEMPOTENCY_KEY_REUSED"));
        // the same key on another path is another request too
        as(Api.admin()).header("Idempotency-Key", key).body(Map.of()).post("/api/v1/keys").then().statusCode(409);
        as(Api.admin()).header("Idempotency-Key", "bad key with spaces").body(Map.of("name", "x")).post("/api/v1/workspaces").then()
                .statusCode(400).body("field", equalTo("Idempotency-Key"));
    }

    @Test
    void aKeysReplayNeverShowsTheSecretAgain() {
        String key = Api.unique("idem");
        as(Api.admin()).header("Idempotency-Key", key).body(Map.of("name", "ci")).post("/api/v1/keys").then().statusCode(201)
                .body("apiKey", org.hamcrest.Matchers.notNullValue());
        as(Api.admin()).header("Idempotency-Key", key).body(Map.of("name", "ci")).post("/api/v1/keys").then().statusCode(201)
                .header("Idempotent-Replayed", "true").body("apiKey", nullValue()).body("id", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void aRetriedInstanceCreateCreatesOneInstance() {
        String ws = Api.workspace();
        String key = Api.unique("idem");
        String name = Api.unique("once");
        String id = as(Api.admin()).header("Idempotency-Key", key).body(Api.instanceBody(name)).post("/api/v1/workspaces/" + ws + "/instances")
                .then().statusCode(201).extract().path("id");
        as(Api.admin()).header("Idempotency-Key", key).body(Api.instanceBody(name)).post("/api/v1/workspaces/" + ws + "/instances")
                .then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(id))
                .header("Location", "/api/v1/workspaces/" + ws + "/instances/" + id);
        assertEquals(1, StandInServices.RECEIVED.stream().filter(r -> r.uri().equals("/instances") && r.body().contains(name)).count());
        // a failure answered by the service is kept too
        String reject = Api.unique("reject");
        as(Api.admin()).header("Idempotency-Key", key + "-r").body(Api.instanceBody(reject)).post("/api/v1/workspaces/" + ws + "/instances")
                .then().statusCode(400);
        as(Api.admin()).header("Idempotency-Key", key + "-r").body(Api.instanceBody(reject)).post("/api/v1/workspaces/" + ws + "/instances")
                .then().statusCode(400).header("Idempotent-Replayed", "true").contentType("application/problem+json")
                .body("field", equalTo("secondaryVSwitchId"));
    }

    @Test
    void aDuplicateWhileTheFirstIsInFlightIs409() throws Exception {
        String member = as(Api.admin()).get("/api/v1/me").then().extract().path("id");
        String key = Api.unique("inflight");
        String path = "/api/v1/workspaces";
        Map<String, Object> body = Map.of("name", "x");
        // the first request holds the key (as a request still being worked on does)
        String fingerprint = dev.dmsmlflow.gateway.application.Idempotency.fingerprint("POST", path, "{\"name\":\"x\"}");
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "insert into idempotency_records (member_id, idempotency_key, request_sha256, state, started_at) values (?, ?, ?, 'IN_FLIGHT', now())")) {
            s.setString(1, member);
            s.setString(2, key);
            s.setString(3, fingerprint);
            s.executeUpdate();
        }
        as(Api.admin()).header("Idempotency-Key", key).body(body).post(path).then().statusCode(409)
                .body("code", equalTo("IDEMPOTENCY_IN_PROGRESS"));
    }
}
