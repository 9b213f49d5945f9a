package dev.dmsmlflow.platform.auth;

import dev.dmsmlflow.infra.TempDirs;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.ServiceKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** The gateway's service token as every service verifies it (docs/identity.md), through a test resource using {@link Caller}. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "platform"))
class ServiceTokenTest {

    static final ServiceKeys KEYS = ServiceKeys.forTests();

    static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    static void assertUnauthorized(RequestSpecification request) {
        request.when().get("/test/caller").then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer realm=\"dms\"")
                .body("status", equalTo(401))
                .body("type", equalTo("https://dms-mlflow.dev/problems/unauthorized"));
    }

    @Test
    void aCallWithoutTokenIs401ProblemWithTheBearerChallenge() {
        assertUnauthorized(given());
        assertUnauthorized(given().header("Authorization", "Basic dXNlcjpwYXNz"));
    }

    @Test
    void malformedExpiredForeignIssuerAudienceOrKeyTokensAre401() throws Exception {
        Instant now = Instant.now();
        assertUnauthorized(as("not.a.jwt"));
        assertUnauthorized(as("dms_k1_thisisanapikeynotaservicetoken"));
        assertUnauthorized(as(KEYS.mint("mem_1", "ws-1", "editor", now.minusSeconds(1200), now.minusSeconds(600),
                ServiceKeys.ISSUER, ServiceKeys.AUDIENCE)));
        assertUnauthorized(as(KEYS.mint("mem_1", "ws-1", "editor", now, now.plusSeconds(120), "someone-else", ServiceKeys.AUDIENCE)));
        assertUnauthorized(as(KEYS.mint("mem_1", "ws-1", "editor", now, now.plusSeconds(120), ServiceKeys.ISSUER, "other-services")));
        ServiceKeys stranger = ServiceKeys.inDirectory(TempDirs.forThisJvm("dms-stranger-keys-"));
        assertUnauthorized(as(stranger.mint("mem_1", "ws-1", "editor", Duration.ofMinutes(2))));
    }

    @Test
    void aTokenWithoutWorkspaceOrWithAnUnknownRoleIs401() {
        assertUnauthorized(as(KEYS.mint("mem_1", null, "editor", Duration.ofMinutes(2))));
        assertUnauthorized(as(KEYS.mint("mem_1", "ws 1", "editor", Duration.ofMinutes(2))));
        assertUnauthorized(as(KEYS.mint("mem_1", "ws-1", "superuser", Duration.ofMinutes(2))));
    }

    @Test
    void theCallerIsWhatTheVerifiedTokenSays() {
        String token = KEYS.mint("mem_42", "ws-caller", "viewer", Duration.ofMinutes(2));
        as(token).when().get("/test/caller").then().statusCode(200)
                .body("principal", equalTo("mem_42"))
                .body("workspaceId", equalTo("ws-caller"))
                .body("role", equalTo("viewer"))
                .body("bearerToken", equalTo(token));
    }

    @Test
    void requireRoleRefusesAViewerWith403AndAdmitsEditorsAndOwners() {
        as(KEYS.mint("mem_1", "ws-1", "viewer", Duration.ofMinutes(2))).post("/test/caller/edit").then()
                .statusCode(403).contentType("application/problem+json").body("status", equalTo(403));
        as(KEYS.mint("mem_1", "ws-1", "editor", Duration.ofMinutes(2))).post("/test/caller/edit").then().statusCode(204);
        as(KEYS.mint("mem_1", "ws-1", "owner", Duration.ofMinutes(2))).post("/test/caller/edit").then().statusCode(204);
    }

    @Test
    void requireWorkspaceAnswersAnotherWorkspacesResourceLikeANonexistentOne() {
        String token = KEYS.mint("mem_1", "ws-a", "owner", Duration.ofMinutes(2));
        as(token).get("/test/caller/things/ws-a").then().statusCode(200);
        as(token).get("/test/caller/things/ws-b").then().statusCode(404).contentType("application/problem+json")
                .body("detail", equalTo("Thing t-1 does not exist."))
                .body("type", equalTo("https://dms-mlflow.dev/problems/not-found"));
    }
}
