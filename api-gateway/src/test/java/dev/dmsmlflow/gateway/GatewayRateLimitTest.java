package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import io.restassured.response.Response;

import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
@TestProfile(GatewayRateLimitTest.Slow.class)
class GatewayRateLimitTest {

    /**
     * A limit any client reaches however loaded the machine (the default, 50/s with a burst of 100, is more than a test
     * client sends one request after another on a busy 2-core machine); the bucket's behaviour does not depend on the
     * numbers.
     */
    public static class Slow implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dms.gateway.rate-limit.rate", "2", "dms.gateway.rate-limit.burst", "5");
        }
    }

    @Test
    void aKeyOverItsRateGets429WithRetryAfterThenRecovers() throws Exception {
        String key = as(Api.admin()).body(Map.of("name", "burst")).post("/api/v1/keys").then().statusCode(201).extract().path("apiKey");
        Response limited = null;
        for (int i = 0; i < 100 && limited == null; i++) {
            Response r = as(key).get("/api/v1/me");
            if (r.statusCode() == 429) {
                limited = r;
            } else {
                r.then().statusCode(200);
            }
        }
        assertNotNull(limited, "no 429 within 100 requests");
        limited.then().contentType("application/problem+json").body("status", equalTo(429)).body("code", equalTo("RATE_LIMITED"));
        long retryAfter = Long.parseLong(limited.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 2, "Retry-After " + retryAfter);
        // other keys are not affected
        as(Api.admin()).get("/api/v1/me").then().statusCode(200);
        Thread.sleep(retryAfter * 1000);
        as(key).get("/api/v1/me").then().statusCode(200);
    }
}
