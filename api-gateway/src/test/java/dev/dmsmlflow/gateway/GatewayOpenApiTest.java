package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.gateway.api.Audited;
import io.restassured.response.Response;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.dmsmlflow.gateway.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayOpenApiTest {

    static JsonNode doc() throws Exception {
        return new ObjectMapper().readTree(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString());
    }

    @Test
    void everyRouteIsDocumentedWithItsRealStatusCodes() throws Exception {
        JsonNode paths = doc().get("paths");
        Map<String, List<String>> expected = Map.ofEntries(
                Map.entry("get /api/v1/me", List.of("200", "401", "429")),
                Map.entry("get /api/v1/keys", List.of("200", "400", "401", "429")),
                Map.entry("post /api/v1/keys", List.of("201", "400", "401", "404", "409", "415", "429")),
                Map.entry("delete /api/v1/keys/{keyId}", List.of("204", "400", "401", "404", "429")),
                Map.entry("get /api/v1/workspaces", List.of("200", "400", "401", "429")),
                Map.entry("post /api/v1/workspaces", List.of("201", "400", "401", "403", "409", "415", "429")),
                Map.entry("get /api/v1/workspaces/{ws}", List.of("200", "400", "401", "404", "429")),
                Map.entry("patch /api/v1/workspaces/{ws}", List.of("200", "400", "401", "403", "404", "415", "429")),
                Map.entry("get /api/v1/workspaces/{ws}/members", List.of("200", "400", "401", "404", "429")),
                Map.entry("post /api/v1/workspaces/{ws}/members", List.of("201", "400", "401", "403", "404", "409", "415", "429")),
                Map.entry("patch /api/v1/workspaces/{ws}/members/{memberId}", List.of("200", "400", "401", "403", "404", "409", "415", "429")),
                Map.entry("delete /api/v1/workspaces/{ws}/members/{memberId}", List.of("204", "400", "401", "403", "404", "409", "429")),
                Map.entry("get /api/v1/workspaces/{ws}/keys", List.of("200", "400", "401", "403", "404", "429")),
                Map.entry("post /api/v1/workspaces/{ws}/keys", List.of("201", "400", "401", "403", "404", "409", "415", "429")),
                Map.entry("delete /api/v1/workspaces/{ws}/keys/{keyId}", List.of("204", "400", "401", "403", "404", "429")),
                Map.entry("get /api/v1/workspaces/{ws}/audit", List.of("200", "400", "401", "403", "404", "429")),
                Map.entry("get /api/v1/workspaces/{ws}/instances", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/instances", List.of("201", "400", "401", "403", "404", "409", "415", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/instances/{id}", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("patch /api/v1/workspaces/{ws}/instances/{id}", List.of("200", "400", "401", "403", "404", "409", "415", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/instances/{id}/release", List.of("202", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/instances/{id}/redeploy", List.of("202", "400", "401", "403", "404", "409", "415", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/instances/{id}/stop", List.of("202", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/instances/{id}/start", List.of("202", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/instances/{id}/usage", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/instance-specs", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/instances/{id}/vpc-address", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/instances/{id}/acl/entries", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/instances/{id}/acl/entries", List.of("200", "400", "401", "403", "404", "409", "415", "429", "502", "503")),
                Map.entry("delete /api/v1/workspaces/{ws}/instances/{id}/acl/entries", List.of("200", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/instances/{id}/diagnose", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/instances/{id}/tokens", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/instances/{id}/tokens", List.of("201", "400", "401", "403", "404", "409", "415", "429", "502", "503")),
                Map.entry("delete /api/v1/workspaces/{ws}/instances/{id}/tokens/{tokenId}", List.of("204", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/instances/{id}/ui-sign-in", List.of("201", "400", "401", "404", "409", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/notebook-sessions", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/notebook-sessions", List.of("201", "400", "401", "403", "404", "409", "415", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/notebook-sessions/catalogue", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/notebook-sessions/{id}", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("delete /api/v1/workspaces/{ws}/notebook-sessions/{id}", List.of("204", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/notebook-sessions/{id}/start", List.of("202", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/notebook-sessions/{id}/stop", List.of("202", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/notebook-sessions/{id}/executions", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/notebook-sessions/{id}/executions", List.of("202", "400", "401", "403", "404", "409", "415", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/notebook-sessions/{id}/executions/{executionId}", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/notebook-sessions/{id}/jupyter-link", List.of("201", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/notebook-sessions/{id}/usage", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/billing/prices", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/billing/usage", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/billing/costs", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/billing/statements", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/billing/statements/{period}", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/billing/statements/{period}/close", List.of("200", "400", "401", "403", "404", "409", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/billing/exports", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("post /api/v1/workspaces/{ws}/billing/exports", List.of("202", "400", "401", "403", "404", "409", "415", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/billing/exports/{id}", List.of("200", "400", "401", "404", "429", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/network/vpcs", List.of("200", "400", "401", "404", "429", "501", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/network/vpcs/{vpcId}/vswitches", List.of("200", "400", "401", "404", "429", "501", "502", "503")),
                Map.entry("get /api/v1/workspaces/{ws}/network/vpcs/{vpcId}/security-groups", List.of("200", "400", "401", "404", "429", "501", "502", "503")));
        Set<String> documented = new TreeSet<>();
        paths.fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
            if (p.getKey().startsWith("/api/v1")) {
                documented.add(m.getKey() + " " + p.getKey());
            }
        }));
        assertEquals(new TreeSet<>(expected.keySet()), documented);
        expected.forEach((op, codes) -> {
            String[] parts = op.split(" ");
            JsonNode operation = paths.get(parts[1]).get(parts[0]);
            List<String> actual = new ArrayList<>();
            operation.get("responses").fieldNames().forEachRemaining(actual::add);
            // every operation can meet a URI over the HTTP layer's limit (414, answered before any route, without a body)
            TreeSet<String> withUriLimit = new TreeSet<>(codes);
            withUriLimit.add("414");
            assertEquals(withUriLimit, new TreeSet<>(actual), op);
            assertTrue(operation.get("responses").get("414").path("content").isMissingNode(), op + " 414 has no body");
            operation.get("responses").fields().forEachRemaining(r -> {
                if ((r.getKey().startsWith("4") && !"414".equals(r.getKey())) || r.getKey().startsWith("5")) {
                    assertEquals("#/components/schemas/Problem", r.getValue().at("/content/application~1problem+json/schema/$ref").asText(),
                            op + " " + r.getKey());
                }
            });
            assertEquals("apiKey", operation.get("security").get(0).fieldNames().next(), op);
        });
    }

    @Test
    void schemasSaySecurityRequiredFieldsPatternsAndEnums() throws Exception {
        JsonNode doc = doc();
        JsonNode scheme = doc.at("/components/securitySchemes/apiKey");
        assertEquals("http", scheme.get("type").asText());
        assertEquals("bearer", scheme.get("scheme").asText());
        JsonNode problem = doc.at("/components/schemas/Problem");
        assertTrue(problem.get("required").toString().contains("status"));
        JsonNode create = doc.at("/components/schemas/CreateInstanceRequest");
        for (String f : List.of("name", "vpcId", "vSwitchId", "secondaryVSwitchId", "securityGroupId", "ossBucket", "ossPath", "spec")) {
            assertTrue(create.get("required").toString().contains("\"" + f + "\""), f);
        }
        assertEquals("^[A-Za-z][A-Za-z0-9_-]{0,63}$", create.at("/properties/name/pattern").asText());
        assertTrue(create.at("/properties/spec/enum").toString().contains("mlflow.small"));
        JsonNode member = doc.at("/components/schemas/AddMemberRequest");
        assertEquals("[\"owner\",\"editor\",\"viewer\"]", member.at("/properties/role/enum").toString());
        assertTrue(member.get("required").toString().contains("role"));
        assertNotNull(doc.at("/components/schemas/Instance/properties/status/enum").get(0));
        assertEquals("[\"network\",\"token\"]", create.at("/properties/authMode/enum").toString());
        JsonNode token = doc.at("/components/schemas/CreateTokenRequest");
        assertEquals("[\"read\",\"read-write\"]", token.at("/properties/scope/enum").toString());
        assertTrue(token.get("required").toString().contains("\"name\"") && token.get("required").toString().contains("\"scope\""));
    }

    @Test
    void answersAgreeWithTheDocument() throws Exception {
        JsonNode paths = doc().get("paths");
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("doc")).statusCode(201).extract().path("id");
        String[] viewer = Api.member(ws, "viewer");
        List<Object[]> calls = List.of(
                new Object[] {"get", "/api/v1/me", given().get("/api/v1/me")},
                new Object[] {"get", "/api/v1/workspaces/{ws}", as(viewer[1]).get("/api/v1/workspaces/" + ws)},
                new Object[] {"patch", "/api/v1/workspaces/{ws}", as(viewer[1]).body(Map.of("name", "n")).patch("/api/v1/workspaces/" + ws)},
                new Object[] {"get", "/api/v1/workspaces/{ws}/instances/{id}", as(viewer[1]).get("/api/v1/workspaces/" + ws + "/instances/" + id)},
                new Object[] {"get", "/api/v1/workspaces/{ws}/network/vpcs/{vpcId}/vswitches", as(viewer[1]).get("/api/v1/workspaces/" + ws + "/network/vpcs/vpc-local/vswitches")},
                new Object[] {"get", "/api/v1/workspaces/{ws}/network/vpcs/{vpcId}/security-groups", as(viewer[1]).get("/api/v1/workspaces/" + ws + "/network/vpcs/vpc-nope/security-groups")},
                new Object[] {"post", "/api/v1/workspaces/{ws}/instances/{id}/release",
                        as(Api.admin()).post("/api/v1/workspaces/" + ws + "/instances/" + id + "/release")},
                new Object[] {"post", "/api/v1/workspaces", as(Api.admin()).body("[]").post("/api/v1/workspaces")},
                new Object[] {"post", "/api/v1/workspaces", as(Api.admin()).contentType("text/plain").body("x").post("/api/v1/workspaces")},
                new Object[] {"get", "/api/v1/workspaces/{ws}/members", as(Api.admin()).get("/api/v1/workspaces/" + ws + "/members?pageSize=x")});
        for (Object[] c : calls) {
            Response r = (Response) c[2];
            JsonNode responses = paths.get((String) c[1]).get((String) c[0]).get("responses");
            String status = String.valueOf(r.statusCode());
            assertTrue(responses.has(status), c[0] + " " + c[1] + " answered undocumented " + status);
            String type = r.contentType() == null ? "" : r.contentType().split(";")[0];
            if (responses.get(status).has("content")) {
                assertTrue(responses.get(status).get("content").has(type), c[0] + " " + c[1] + " " + status + " " + type);
            }
        }
    }

    @Test
    void anUndocumentedMethodIs405WithAllow() {
        given().put("/api/v1/me").then().statusCode(405).contentType("application/problem+json")
                .header("Allow", org.hamcrest.Matchers.containsString("GET"));
    }

    @Test
    void everyMutatingRouteIsAudited() {
        for (Class<?> resource : List.of(dev.dmsmlflow.gateway.api.KeyResource.class, dev.dmsmlflow.gateway.api.WorkspaceResource.class,
                dev.dmsmlflow.gateway.api.MemberResource.class, dev.dmsmlflow.gateway.api.WorkspaceKeyResource.class,
                dev.dmsmlflow.gateway.api.InstanceResource.class, dev.dmsmlflow.gateway.api.AuditResource.class,
                dev.dmsmlflow.gateway.api.MeResource.class, dev.dmsmlflow.gateway.api.NotebookSessionResource.class,
                dev.dmsmlflow.gateway.api.NotebookJupyterResource.class,
                dev.dmsmlflow.gateway.api.BillingResource.class)) {
            for (Method m : resource.getDeclaredMethods()) {
                boolean mutating = m.isAnnotationPresent(POST.class) || m.isAnnotationPresent(PUT.class)
                        || m.isAnnotationPresent(PATCH.class) || m.isAnnotationPresent(DELETE.class);
                if (mutating) {
                    assertNotNull(m.getAnnotation(Audited.class), resource.getSimpleName() + "." + m.getName());
                }
            }
        }
    }
}
