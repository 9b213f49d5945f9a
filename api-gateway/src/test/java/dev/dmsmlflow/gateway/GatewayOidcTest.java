package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.infra.ServiceKeys;
import dev.dmsmlflow.infra.oidc.FakeIdentityProvider;
import dev.dmsmlflow.gateway.application.ConsoleSignIn;
import io.agroal.api.AgroalDataSource;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Inject
    AgroalDataSource db;

    @Inject
    ConsoleSignIn signIn;

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
        assertEquals(Boolean.TRUE, token.path("renewable"));
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

    /** The parts of a sign-in trip the tests look into: the state cookie, the provider's redirect back, and the login's Set-Cookie. */
    record Trip(String state, String back, String setCookie) {
    }

    /** The login and the provider's answer, without the callback yet. */
    static Trip toProvider() {
        Response login = given().redirects().follow(false).get("/api/v1/auth/sso/login");
        assertEquals(303, login.statusCode(), login.asString());
        Response atIdp = given().urlEncodingEnabled(false).redirects().follow(false).get(login.header("Location"));
        assertEquals(302, atIdp.statusCode());
        return new Trip(login.getCookie("dms_sso_state"), atIdp.header("Location"), login.header("Set-Cookie"));
    }

    static Response callback(Trip trip) {
        return given().urlEncodingEnabled(false).redirects().follow(false).cookie("dms_sso_state", trip.state()).get(trip.back());
    }

    /** A full sign-in up to the redeemed hand-off; the token answer (with the session cookie). */
    static Response signedIn() {
        String location = signInTrip(true);
        assertTrue(location.startsWith("/#/signin/sso/") && !location.contains("failed"), location);
        Response token = given().contentType("application/json").body(Map.of("handoff", location.substring("/#/signin/sso/".length())))
                .post("/api/v1/auth/sso/token");
        assertEquals(200, token.statusCode(), token.asString());
        return token;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private List<String> column(String sql, String... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    private int update(String sql, String... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    @Test
    void aSignInInProgressLivesInTheDatabaseSealedAndIsSpentByItsCallback() throws Exception {
        IDP.user = Api.unique("dora");
        Trip trip = toProvider();
        // the flow is a row of the shared database, found by the state's hash: any replica can finish it
        String stateHash = sha256(trip.state());
        List<String> sealed = column("SELECT sealed FROM sso_flows WHERE state_sha256 = ?", stateHash);
        assertEquals(1, sealed.size());
        assertFalse(sealed.get(0).contains(trip.state()));
        Response back = callback(trip);
        assertEquals(303, back.statusCode());
        String location = back.header("Location");
        assertTrue(location.startsWith("/#/signin/sso/") && !location.contains("failed"), location);
        String verifier = IDP.tokenRequests.get(IDP.tokenRequests.size() - 1).get("code_verifier");
        assertFalse(sealed.get(0).contains(verifier), "the verifier is stored sealed");
        assertEquals(List.of(), column("SELECT sealed FROM sso_flows WHERE state_sha256 = ?", stateHash), "spent");
        // the hand-off too: only the code's hash, the token sealed
        String handoff = location.substring("/#/signin/sso/".length());
        List<String> kept = column("SELECT sealed FROM sso_handoffs WHERE code_sha256 = ?", sha256(handoff));
        assertEquals(1, kept.size());
        Response token = given().contentType("application/json").body(Map.of("handoff", handoff)).post("/api/v1/auth/sso/token");
        assertEquals(200, token.statusCode(), token.asString());
        String accessToken = token.path("accessToken");
        assertFalse(kept.get(0).contains(accessToken) || kept.get(0).contains(accessToken.split("\\.")[1]));
        assertEquals(List.of(), column("SELECT sealed FROM sso_handoffs WHERE code_sha256 = ?", sha256(handoff)));
        // the same callback again (a replay of the provider's redirect) finds nothing
        assertEquals("/#/signin/sso/failed/SIGN_IN_EXPIRED", callback(trip).header("Location"));
    }

    @Test
    void aCallbackWithAnErrorEndsTheFlowAtOnce() throws Exception {
        Trip trip = toProvider();
        String stateHash = sha256(trip.state());
        assertEquals(1, column("SELECT state_sha256 FROM sso_flows WHERE state_sha256 = ?", stateHash).size());
        given().redirects().follow(false).cookie("dms_sso_state", trip.state()).queryParam("error", "login_required")
                .queryParam("state", trip.state()).get("/api/v1/auth/sso/callback").then().statusCode(303)
                .header("Location", equalTo("/#/signin/sso/failed/login_required"));
        assertEquals(List.of(), column("SELECT state_sha256 FROM sso_flows WHERE state_sha256 = ?", stateHash));
        // the provider's genuine code for that sign-in, arriving afterwards, no longer signs anyone in
        int trades = IDP.tokenRequests.size();
        assertEquals("/#/signin/sso/failed/SIGN_IN_EXPIRED", callback(trip).header("Location"));
        assertEquals(trades, IDP.tokenRequests.size(), "no code was traded");
    }

    @Test
    void expiredFlowsHandOffsAndSessionsAreRefusedAndSwept() throws Exception {
        Trip trip = toProvider();
        String stateHash = sha256(trip.state());
        assertEquals(1, update("UPDATE sso_flows SET expires_at = now() - interval '1 second' WHERE state_sha256 = ?", stateHash));
        assertEquals("/#/signin/sso/failed/SIGN_IN_EXPIRED", callback(trip).header("Location"));

        Trip later = toProvider();
        String laterHash = sha256(later.state());
        String location = signInTrip(true);
        String handoffHash = sha256(location.substring("/#/signin/sso/".length()));
        Response token = signedIn();
        String sessionHash = sha256(token.getCookie("dms_sso_session"));
        update("UPDATE sso_flows SET expires_at = now() - interval '1 second' WHERE state_sha256 = ?", laterHash);
        update("UPDATE sso_handoffs SET expires_at = now() - interval '1 second' WHERE code_sha256 = ?", handoffHash);
        update("UPDATE sso_sessions SET expires_at = now() - interval '1 second' WHERE cookie_sha256 = ?", sessionHash);
        given().contentType("application/json").body(Map.of("handoff", location.substring("/#/signin/sso/".length())))
                .post("/api/v1/auth/sso/token").then().statusCode(401).body("code", equalTo("SIGN_IN_EXPIRED"));
        given().cookie("dms_sso_session", token.getCookie("dms_sso_session")).post("/api/v1/auth/sso/refresh").then()
                .statusCode(401).body("code", equalTo("SIGN_IN_EXPIRED"));
        // (the two refusals above spent their rows; the flow is still there until the sweep)
        assertEquals(1, column("SELECT state_sha256 FROM sso_flows WHERE state_sha256 = ?", laterHash).size());
        assertTrue(signIn.sweep() >= 1);
        assertEquals(List.of(), column("SELECT state_sha256 FROM sso_flows WHERE state_sha256 = ?", laterHash));
        assertEquals(List.of(), column("SELECT state_sha256 FROM sso_flows WHERE expires_at <= now()"));
        assertEquals(List.of(), column("SELECT code_sha256 FROM sso_handoffs WHERE expires_at <= now()"));
        assertEquals(List.of(), column("SELECT cookie_sha256 FROM sso_sessions WHERE expires_at <= now()"));
    }

    @Test
    void theConsoleRenewsItsTokenThroughItsHttpOnlyCookieAndTheRefreshTokenNeverLeavesTheGateway() throws Exception {
        IDP.user = Api.unique("erin");
        Response token = signedIn();
        String setCookie = token.header("Set-Cookie");
        assertTrue(setCookie.startsWith("dms_sso_session=") && setCookie.contains("; Path=/api/v1/auth/sso;")
                && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        assertFalse(setCookie.contains("Secure"), "usable on the local http stack: " + setCookie);
        String session = token.getCookie("dms_sso_session");
        assertFalse(token.asString().contains("refresh"), "no refresh token in the answer: " + token.asString());
        assertFalse(session.contains("."), "the cookie is the gateway's secret, not the provider's refresh token");
        List<String> stored = column("SELECT sealed FROM sso_sessions WHERE cookie_sha256 = ?", sha256(session));
        assertEquals(1, stored.size());

        int before = IDP.tokenRequests.size();
        Response renewed = given().cookie("dms_sso_session", session).post("/api/v1/auth/sso/refresh");
        assertEquals(200, renewed.statusCode(), renewed.asString());
        assertEquals("no-store", renewed.header("Cache-Control"));
        assertEquals(Boolean.TRUE, renewed.path("renewable"));
        assertEquals(300, (Integer) renewed.path("expiresIn"));
        Map<String, String> asked = IDP.tokenRequests.get(before);
        assertEquals("refresh_token", asked.get("grant_type"));
        String refreshToken = asked.get("refresh_token");
        assertFalse(stored.get(0).contains(refreshToken), "the refresh token is stored sealed");
        as(renewed.path("accessToken")).get("/api/v1/me").then().statusCode(200).body("displayName", equalTo(IDP.user));
        // the provider rotated it: the gateway kept the new one, so renewing works again, with the new one
        given().cookie("dms_sso_session", session).post("/api/v1/auth/sso/refresh").then().statusCode(200);
        assertFalse(refreshToken.equals(IDP.tokenRequests.get(IDP.tokenRequests.size() - 1).get("refresh_token")));

        // no cookie, a forged one, or another site's request: no token
        given().post("/api/v1/auth/sso/refresh").then().statusCode(401).body("code", equalTo("SIGN_IN_EXPIRED"));
        given().cookie("dms_sso_session", "A".repeat(43)).post("/api/v1/auth/sso/refresh").then().statusCode(401);
        given().cookie("dms_sso_session", session).header("Origin", "https://evil.test").post("/api/v1/auth/sso/refresh").then()
                .statusCode(403).body("code", equalTo("CROSS_SITE_REQUEST"));

        // the provider ends its session: the renewal fails, the gateway forgets it and clears the cookie
        IDP.endSessions();
        Response ended = given().cookie("dms_sso_session", session).post("/api/v1/auth/sso/refresh");
        assertEquals(401, ended.statusCode(), ended.asString());
        assertEquals("SIGN_IN_EXPIRED", ended.path("code"));
        assertTrue(ended.header("Set-Cookie").contains("dms_sso_session=;") && ended.header("Set-Cookie").contains("Max-Age=0"));
        assertEquals(List.of(), column("SELECT sealed FROM sso_sessions WHERE cookie_sha256 = ?", sha256(session)));
    }

    @Test
    void signingOutForgetsTheRefreshToken() throws Exception {
        Response token = signedIn();
        String session = token.getCookie("dms_sso_session");
        given().cookie("dms_sso_session", session).header("Origin", "https://evil.test").post("/api/v1/auth/sso/logout").then()
                .statusCode(403);
        Response out = given().cookie("dms_sso_session", session).post("/api/v1/auth/sso/logout");
        assertEquals(204, out.statusCode());
        assertTrue(out.header("Set-Cookie").startsWith("dms_sso_session=;"), out.header("Set-Cookie"));
        assertEquals(List.of(), column("SELECT sealed FROM sso_sessions WHERE cookie_sha256 = ?", sha256(session)));
        given().cookie("dms_sso_session", session).post("/api/v1/auth/sso/refresh").then().statusCode(401);
    }

    @Test
    void aProviderWithoutRefreshTokensGivesNoSessionCookie() {
        IDP.refreshTokens = false;
        try {
            Response token = signedIn();
            assertEquals(Boolean.FALSE, token.path("renewable"));
            assertNull(token.header("Set-Cookie"));
        } finally {
            IDP.refreshTokens = true;
        }
    }

    @Test
    void onPlainHttpTheStateCookieIsNotSecure() {
        Trip trip = toProvider();
        assertTrue(trip.setCookie().contains("HttpOnly") && !trip.setCookie().contains("Secure"), trip.setCookie());
        String cleared = callback(trip).header("Set-Cookie");
        assertTrue(cleared.startsWith("dms_sso_state=;") && !cleared.contains("Secure"), cleared);
    }
}
