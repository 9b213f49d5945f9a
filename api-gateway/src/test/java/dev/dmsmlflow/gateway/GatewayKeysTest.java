package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayKeysTest {

    @Inject
    AgroalDataSource db;

    @Test
    void aNewKeyIsShownOnceAndOnlyItsHashIsStored() throws Exception {
        String token = as(Api.admin()).body(Map.of("name", "laptop")).post("/api/v1/keys").then()
                .statusCode(201)
                .header("Location", matchesPattern("/api/v1/keys/[a-z0-9]{16}"))
                .body("apiKey", matchesPattern("dms_[a-z0-9]{16}_[A-Za-z0-9]{40}"))
                .body("status", equalTo("active"))
                .extract().path("apiKey");
        String id = token.substring(4, 20);
        as(token).get("/api/v1/me").then().statusCode(200).body("keyId", equalTo(id));
        // listed without the secret
        as(Api.admin()).get("/api/v1/keys?pageSize=100").then().statusCode(200)
                .body("items.id", hasItem(id)).body("items.find { it.id == '" + id + "' }.apiKey", nullValue());
        // the database holds the SHA-256 of the secret and nothing that reveals the token
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("select * from api_keys where id = ?")) {
            s.setString(1, id);
            ResultSet rs = s.executeQuery();
            assertTrue(rs.next());
            String secret = token.substring(21);
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8))),
                    rs.getString("secret_sha256"));
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                String v = rs.getString(i);
                assertFalse(v != null && (v.contains(secret) || v.contains(token)), "column " + rs.getMetaData().getColumnName(i));
            }
        }
    }

    @Test
    void missingMalformedUnknownRevokedAndExpiredKeysAre401WithAChallenge() {
        given().get("/api/v1/me").then().statusCode(401).header("WWW-Authenticate", "Bearer realm=\"dms\"")
                .contentType("application/problem+json").body("status", equalTo(401)).body("code", equalTo("MISSING_API_KEY"));
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/api/v1/me").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer realm=\"dms\"");
        as("not-a-key").get("/api/v1/me").then().statusCode(401);
        as("dms_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").get("/api/v1/me").then().statusCode(401);
        // right id, wrong secret
        String token = newKey(Map.of());
        as(token.substring(0, 21) + "B".repeat(40)).get("/api/v1/me").then().statusCode(401);

        String revoked = newKey(Map.of());
        as(revoked).get("/api/v1/me").then().statusCode(200);
        as(Api.admin()).delete("/api/v1/keys/" + revoked.substring(4, 20)).then().statusCode(204);
        as(revoked).get("/api/v1/me").then().statusCode(401).header("WWW-Authenticate", "Bearer realm=\"dms\"")
                .body("detail", equalTo("The API key has been revoked.")).body("code", equalTo("REVOKED_API_KEY"));
        as(Api.admin()).get("/api/v1/keys?pageSize=100").then()
                .body("items.find { it.id == '" + revoked.substring(4, 20) + "' }.status", equalTo("revoked"));

        String expiring = newKey(Map.of("expiresAt", Instant.now().plusSeconds(2).toString()));
        as(expiring).get("/api/v1/me").then().statusCode(200);
        await(Duration.ofSeconds(5), () -> as(expiring).get("/api/v1/me").statusCode() == 401);
        as(expiring).get("/api/v1/me").then().statusCode(401).body("detail", org.hamcrest.Matchers.startsWith("The API key expired"));
    }

    @Test
    void anExpiryInThePastIsRefused() {
        as(Api.admin()).body(Map.of("expiresAt", "2001-01-01T00:00:00Z")).post("/api/v1/keys").then()
                .statusCode(400).body("field", equalTo("expiresAt"));
        as(Api.admin()).body(Map.of("expiresAt", "yesterday")).post("/api/v1/keys").then()
                .statusCode(400).body("field", equalTo("expiresAt"));
    }

    @Test
    void lastUseIsRecorded() throws Exception {
        String token = newKey(Map.of());
        String id = token.substring(4, 20);
        as(Api.admin()).get("/api/v1/keys?pageSize=100").then().body("items.find { it.id == '" + id + "' }.lastUsedAt", nullValue());
        as(token).get("/api/v1/me").then().statusCode(200);
        await(Duration.ofSeconds(5), () -> as(Api.admin()).get("/api/v1/keys?pageSize=100").then().extract()
                .path("items.find { it.id == '" + id + "' }.lastUsedAt") != null);
    }

    @Test
    void aScopedKeyReachesOnlyItsWorkspaceAndNeverIssuesAWiderKey() {
        String a = Api.workspace();
        String b = Api.workspace();
        String scoped = newKey(Map.of("workspaceId", a));
        as(scoped).get("/api/v1/workspaces/" + a).then().statusCode(200).body("role", equalTo("owner"));
        as(scoped).get("/api/v1/workspaces/" + b).then().statusCode(404);
        as(scoped).get("/api/v1/workspaces/" + b + "/members").then().statusCode(404);
        as(scoped).get("/api/v1/workspaces/" + b + "/instances").then().statusCode(404);
        as(scoped).get("/api/v1/workspaces?pageSize=100").then().statusCode(200).body("items.id", equalTo(java.util.List.of(a)));
        as(scoped).get("/api/v1/me").then().body("keyWorkspaceId", equalTo(a)).body("workspaces.id", equalTo(java.util.List.of(a)));
        // a scoped key issues keys of its own workspace only
        as(scoped).body(Map.of()).post("/api/v1/keys").then().statusCode(201).body("workspaceId", equalTo(a));
        as(scoped).body(Map.of("workspaceId", b)).post("/api/v1/keys").then().statusCode(404);
        as(scoped).body(Map.of("name", "x")).post("/api/v1/workspaces").then().statusCode(403).body("code", equalTo("KEY_SCOPED"));
        // and cannot see or revoke the member's other keys
        String unscoped = newKey(Map.of());
        as(scoped).get("/api/v1/keys?pageSize=100").then().body("items.id", not(hasItem(unscoped.substring(4, 20))));
        as(scoped).delete("/api/v1/keys/" + unscoped.substring(4, 20)).then().statusCode(404);
        as(unscoped).get("/api/v1/me").then().statusCode(200);
    }

    @Test
    void aKeyForAForeignWorkspaceIsNotIssued() {
        String ws = Api.workspace();
        String[] viewer = Api.member(ws, "viewer");
        String other = Api.workspace();
        as(viewer[1]).body(Map.of("workspaceId", other)).post("/api/v1/keys").then().statusCode(404);
        assertNotNull(viewer[0]);
    }

    static String newKey(Map<String, Object> body) {
        return as(Api.admin()).body(body).post("/api/v1/keys").then().statusCode(201).body("apiKey", notNullValue())
                .extract().path("apiKey");
    }

    static void await(Duration max, java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("condition not met within " + max);
    }
}
