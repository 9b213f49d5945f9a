package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static dev.dmsmlflow.gateway.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Behind https ({@code dms.gateway.public-url} is an https address, TLS ending at a proxy in front): every cookie the
 * gateway sets, and every cookie it clears, is {@code Secure}. The plain-http side is in GatewayOidcTest and
 * GatewayJupyterLinkTest.
 */
@QuarkusTest
@TestProfile(GatewayCookiesTest.Https.class)
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayCookiesTest {

    static final String PUBLIC_URL = "https://console.dms.example";

    /** OIDC on as in GatewayOidcTest, the gateway reached at an https address. */
    public static class Https extends GatewayOidcTest.Oidc {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>(super.getConfigOverrides());
            m.put("dms.gateway.public-url", PUBLIC_URL);
            return m;
        }
    }

    private static void assertSecure(String setCookie, String name) {
        assertTrue(setCookie != null && setCookie.startsWith(name + "=") && setCookie.contains("; Secure")
                && setCookie.contains("HttpOnly"), String.valueOf(setCookie));
    }

    @Test
    void theSignInCookiesAreSecure() {
        Response login = given().redirects().follow(false).get("/api/v1/auth/sso/login");
        assertEquals(303, login.statusCode());
        assertSecure(login.header("Set-Cookie"), "dms_sso_state");
        Response atIdp = given().urlEncodingEnabled(false).redirects().follow(false).get(login.header("Location"));
        String back = atIdp.header("Location");
        assertTrue(back.startsWith(PUBLIC_URL + "/api/v1/auth/sso/callback?"), back);
        // the proxy would hand it to us: the same path and query on the test's own address
        URI u = URI.create(back);
        Response callback = given().urlEncodingEnabled(false).redirects().follow(false)
                .cookie("dms_sso_state", login.getCookie("dms_sso_state")).get(u.getRawPath() + "?" + u.getRawQuery());
        assertEquals(303, callback.statusCode());
        assertSecure(callback.header("Set-Cookie"), "dms_sso_state"); // the clearing one too
        String location = callback.header("Location");
        assertTrue(location.startsWith("/#/signin/sso/") && !location.contains("failed"), location);
        Response token = given().contentType("application/json").body(Map.of("handoff", location.substring("/#/signin/sso/".length())))
                .post("/api/v1/auth/sso/token");
        assertEquals(200, token.statusCode(), token.asString());
        assertSecure(token.header("Set-Cookie"), "dms_sso_session");
        Response out = given().cookie("dms_sso_session", token.getCookie("dms_sso_session")).post("/api/v1/auth/sso/logout");
        assertEquals(204, out.statusCode());
        assertSecure(out.header("Set-Cookie"), "dms_sso_session");
    }

    @Test
    void theJupyterCookieIsSecure() {
        String ws = Api.workspace();
        String session = "run-" + UUID.randomUUID();
        StandInServices.session(ws, session, "RUNNING");
        String[] editor = Api.member(ws, "editor");
        String url = as(editor[1]).post("/api/v1/workspaces/" + ws + "/notebook-sessions/" + session + "/jupyter-link")
                .then().statusCode(201).extract().path("url");
        Response signIn = given().redirects().follow(false).get(url);
        assertEquals(303, signIn.statusCode());
        assertSecure(signIn.header("Set-Cookie"), "dms_jupyter");
    }
}
