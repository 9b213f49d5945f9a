package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web console as the gateway serves it: the built page and its assets at "/", under a strict policy. */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayConsoleTest {

    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'";

    @Test
    void theConsoleIsServedAtTheRootWithAStrictPolicyAndNoInlineCode() {
        Response page = given().get("/");
        page.then().statusCode(200).contentType(containsString("text/html"))
                .header("Content-Security-Policy", containsString(POLICY))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-cache");
        String html = page.asString();
        assertFalse(html.matches("(?s).*<script(?![^>]*\\ssrc=)[^>]*>.*"), "no inline script");
        assertFalse(html.contains("style="), "no inline style");
        Matcher script = Pattern.compile("src=\"(/console-assets/[^\"]+\\.js)\"").matcher(html);
        assertTrue(script.find(), html);
        given().get(script.group(1)).then().statusCode(200)
                .header("Content-Security-Policy", containsString(POLICY))
                .header("Cache-Control", containsString("immutable"));
    }

    @Test
    void theApiKeepsItsOwnAnswers() {
        given().get("/api/v1/me").then().statusCode(401).contentType("application/problem+json");
    }
}
