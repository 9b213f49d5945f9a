package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.ServiceKeys;
import dev.dmsmlflow.infra.oidc.FakeIdentityProvider;
import io.restassured.response.Response;
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
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;
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

    /** A local identity provider that signs with the test key pair (its tokens are what the gateway trusts). */
    static final FakeIdentityProvider IDP = startIdp();
    static final String ISSUER = IDP.issuer();

    static FakeIdentityProvider startIdp() {
        try {
            return new FakeIdentityProvider(ServiceKeys.forTests(), "dms-gateway");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * OIDC on, trusting tokens signed by the test key pair for issuer {@link #ISSUER} and audience dms-gateway; the console's
     * single sign-on goes to {@link #IDP} (Quarkus itself verifies with the configured key, without discovery).
     */
    public static class Oidc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                String pem = Files.readString(ServiceKeys.forTests().publicKeyFile());
                return Map.of("quarkus.oidc.tenant-enabled", "true",
                        "quarkus.oidc.public-key", pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""),
                        "quarkus.oidc.token.issuer", ISSUER,
                        "quarkus.oidc.token.audience", "dms-gateway",
                        "quarkus.oidc.auth-server-url", ISSUER,
                        "quarkus.oidc.discovery-enabled", "false",
                        "quarkus.oidc.jwks-path", "certs");
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

    /** The browser's trip: the gateway's login, the provider, the gateway's callback; the Location it ends at. */
    static String signInTrip(boolean withCookie) {
        Response login = given().redirects().follow(false).get("/api/v1/auth/sso/login");
        assertEquals(303, login.statusCode(), login.asString());
        String state = login.getCookie("dms_sso_state");
        String authorize = login.header("Location");
        assertTrue(authorize.startsWith(IDP.issuer() + "/auth?"), authorize);
        Response atIdp = given().urlEncodingEnabled(false).redirects().follow(false).get(authorize); // as the browser sends it
        assertEquals(302, atIdp.statusCode());
        var back = given().urlEncodingEnabled(false).redirects().follow(false);
        if (withCookie) {
            back = back.cookie("dms_sso_state", state);
        }
        Response callback = back.get(atIdp.header("Location"));
        assertEquals(303, callback.statusCode(), callback.asString());
        assertEquals("no-store", callback.header("Cache-Control"));
        return callback.header("Location");
    }

    @Test
    void theConsoleSignsInThroughTheIdentityProviderWithPkceAndAOneTimeHandOff() {
        given().get("/api/v1/auth/sso").then().statusCode(200).body("enabled", equalTo(true))
                .body("loginPath", equalTo("/api/v1/auth/sso/login"));
        IDP.user = Api.unique("carol");
        int before = IDP.authorizations.size();
        String location = signInTrip(true);
        assertTrue(location.startsWith("/#/signin/sso/") && !location.contains("failed"), location);
        // what the provider was asked: a code for this client, PKCE S256, state, and the gateway's own callback
        Map<String, String> asked = IDP.authorizations.get(before);
        assertEquals("code", asked.get("response_type"));
        assertEquals("dms-gateway", asked.get("client_id"));
        assertEquals("S256", asked.get("code_challenge_method"));
        assertTrue(asked.get("redirect_uri").endsWith("/api/v1/auth/sso/callback"), asked.toString());
        assertTrue(asked.get("state").length() >= 32 && asked.get("nonce") != null, asked.toString());
        // the code was traded with the verifier (the provider checked it against the challenge)
        Map<String, String> traded = IDP.tokenRequests.get(IDP.tokenRequests.size() - 1);
        assertTrue(traded.get("code_verifier").length() >= 43, traded.toString());

        String handoff = location.substring("/#/signin/sso/".length());
        Response token = given().contentType("application/json").body(Map.of("handoff", handoff)).post("/api/v1/auth/sso/token");
        assertEquals(200, token.statusCode(), token.asString());
        assertEquals("no-store", token.header("Cache-Control"));
        String accessToken = token.path("accessToken");
        as(accessToken).get("/api/v1/me").then().statusCode(200).body("displayName", equalTo(IDP.user));
        // once only
        given().contentType("application/json").body(Map.of("handoff", handoff)).post("/api/v1/auth/sso/token").then()
                .statusCode(401).body("code", equalTo("SIGN_IN_EXPIRED"));
    }

    @Test
    void aCallbackWithoutTheBrowsersStateADeniedSignInOrAForgedHandOffGivesNoToken() {
        // the provider's answer delivered to another browser (no state cookie): refused, and that sign-in is spent
        assertEquals("/#/signin/sso/failed/SIGN_IN_OTHER_BROWSER", signInTrip(false));
        IDP.deny = true;
        try {
            assertEquals("/#/signin/sso/failed/access_denied", signInTrip(true));
        } finally {
            IDP.deny = false;
        }
        // a state nobody started
        given().redirects().follow(false).cookie("dms_sso_state", "x".repeat(43)).queryParam("state", "x".repeat(43))
                .queryParam("code", "c").get("/api/v1/auth/sso/callback").then().statusCode(303)
                .header("Location", equalTo("/#/signin/sso/failed/SIGN_IN_EXPIRED"));
        given().contentType("application/json").body(Map.of("handoff", "A".repeat(43))).post("/api/v1/auth/sso/token").then()
                .statusCode(401).body("code", equalTo("SIGN_IN_EXPIRED"));
        given().contentType("application/json").body(Map.of()).post("/api/v1/auth/sso/token").then()
                .statusCode(400).body("field", equalTo("handoff"));
    }
}
