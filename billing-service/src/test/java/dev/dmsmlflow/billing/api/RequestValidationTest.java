package dev.dmsmlflow.billing.api;

import dev.dmsmlflow.infra.LocalInfraTestResource;
import dev.dmsmlflow.platform.testing.ServiceTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The constraints declared on billing-service's requests (the export request's record, the report filters) answer with
 * platform's one mapping: 400 problem+json naming the field and the constraint's code, and nothing is requested.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "billing"))
class RequestValidationTest {

    private static int exports(String ws) {
        return ServiceTokens.viewerOf(ws).get("/billing/exports").then().statusCode(200).extract().jsonPath().getList("items").size();
    }

    @Test
    void aBadFieldIsA400NamingItAndRequestsNothing() {
        String ws = "ws-" + UUID.randomUUID().toString().substring(0, 8);
        String[][] cases = {
                // body, field, code
                {"{\"period\":\"2025-13\"}", "period", "PATTERN"},
                {"{\"formats\":[\"csv\"]}", "period", "NOT_NULL"},
                {"{\"period\":\"2025-04\",\"formats\":[\"csv\",\"pdf\"]}", "formats[1]", "PATTERN"},
                {"{\"period\":\"2025-04\",\"formats\":[\"csv\",\"csv\",\"parquet\"]}", "formats", "SIZE"}};
        for (String[] c : cases) {
            ServiceTokens.ownerOf(ws).contentType(ContentType.JSON).body(c[0]).post("/billing/exports").then()
                    .statusCode(400).contentType("application/problem+json").body("status", equalTo(400))
                    .body("field", equalTo(c[1])).body("code", equalTo(c[2]));
        }
        ServiceTokens.ownerOf(ws).contentType(ContentType.JSON).body("{\"period\":\"2025-13\"}").post("/billing/exports").then()
                .body("detail", equalTo("'period' must be a month, YYYY-MM."));
        ServiceTokens.ownerOf(ws).contentType(ContentType.JSON).post("/billing/exports").then()
                .statusCode(400).contentType("application/problem+json").body("field", equalTo("body"));
        ServiceTokens.viewerOf(ws).queryParam("skuId", "no spaces allowed").get("/billing/usage").then()
                .statusCode(400).contentType("application/problem+json").body("field", equalTo("skuId")).body("code", equalTo("PATTERN"));
        assertEquals(0, exports(ws), "nothing was requested");
    }
}
