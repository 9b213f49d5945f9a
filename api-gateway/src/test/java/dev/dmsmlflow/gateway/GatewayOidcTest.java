package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.ServiceKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Optional OIDC sign-in: tokens of a trusted identity provider (here verified with a test key) map to members. */
@QuarkusTest
@TestProfile(GatewayOidcTest.Oidc.class)
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayOidcTest {

    static final String ISSUER = "https://idp.test";

    /** OIDC on, trusting tokens signed by the test key pair for issuer {@link #ISSUER} and audience dms-gateway. */
    public static class Oidc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                String pem = Files.readString(ServiceKeys.forTests().publicKeyFile());
                return Map.of("quarkus.oidc.tenant-enabled", "true",
                        "quarkus.oidc.public-key", pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""),
                        "quarkus.oidc.token.issuer", ISSUER,
                        "quarkus.oidc.token.audience", "dms-gateway");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static String token(String subject, String issuer, Instant expires) {
        return ServiceKeys.forTests().mint(subject, "none", "viewer", Instant.now().minusSeconds(5), expires, issuer, "dms-gateway");
    }

    @Test
    void aSignedInUserBecomesAMemberAndActsUnscoped() {
        String subject = Api.unique("alice");
        String token = token(subject, ISSUER, Instant.now().plusSeconds(300));
        String memberId = as(token).get("/api/v1/me").then().statusCode(200)
                .body("displayName", equalTo(subject)).body("keyId", nullValue()).body("workspaces.size()", equalTo(0))
                .extract().path("id");
        as(token(subject, ISSUER, Instant.now().plusSeconds(300))).get("/api/v1/me").then().statusCode(200).body("id", equalTo(memberId));

        // an owner adds the member by id; the sign-in then reaches the workspace with that role
        String ws = Api.workspace();
        as(Api.admin()).body(Map.of("memberId", memberId, "role", "editor")).post("/api/v1/workspaces/" + ws + "/members")
                .then().statusCode(201);
        as(token).get("/api/v1/workspaces/" + ws).then().statusCode(200).body("role", equalTo("editor"));
        // a signed-in member may issue themselves an unscoped key
        as(token).body(Map.of()).post("/api/v1/keys").then().statusCode(201).body("workspaceId", nullValue())
                .body("memberId", equalTo(memberId));
        Api.createInstance(token, ws, Api.unique("oidc")).statusCode(201);
        List<Map<String, Object>> audit = as(Api.admin()).get("/api/v1/workspaces/" + ws + "/audit").then().statusCode(200)
                .extract().path("items");
        assertEquals("instance.create", audit.get(0).get("action"));
        assertEquals(memberId, audit.get(0).get("memberId"));
        assertNull(audit.get(0).get("keyId"));
    }

    @Test
    void foreignExpiredOrBrokenTokensAre401AndApiKeysStillWork() {
        as(token("mallory", "https://elsewhere.test", Instant.now().plusSeconds(300))).get("/api/v1/me").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer realm=\"dms\"").body("code", equalTo("INVALID_TOKEN"));
        as(token("bob", ISSUER, Instant.now().minusSeconds(120))).get("/api/v1/me").then().statusCode(401);
        as("eyJhbGciOiJub25lIn0.e30.").get("/api/v1/me").then().statusCode(401);
        as("dms_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").get("/api/v1/me").then().statusCode(401)
                .body("code", equalTo("INVALID_API_KEY"));
        as(Api.admin()).get("/api/v1/me").then().statusCode(200);
    }
}
