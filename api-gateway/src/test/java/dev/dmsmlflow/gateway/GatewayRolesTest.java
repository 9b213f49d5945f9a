package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayRolesTest {

    /** A call of the public API: method, path (with {ws} and {id}), body. */
    record Call(String method, String path, Object body) {
        int send(String key, String ws, String id) {
            var spec = as(key);
            if (body != null) {
                spec = spec.body(body);
            }
            return spec.request(method, path.replace("{ws}", ws).replace("{id}", id)).statusCode();
        }
    }

    static final String MEMBER = "mem_0000000000000000";
    static final String KEY = "0000000000000000";

    /** Every route acting in a workspace. */
    static final List<Call> WORKSPACE_ROUTES = List.of(
            new Call("GET", "/api/v1/workspaces/{ws}", null),
            new Call("PATCH", "/api/v1/workspaces/{ws}", Map.of("name", "renamed")),
            new Call("GET", "/api/v1/workspaces/{ws}/members", null),
            new Call("POST", "/api/v1/workspaces/{ws}/members", Map.of("displayName", "x", "role", "viewer")),
            new Call("PATCH", "/api/v1/workspaces/{ws}/members/" + MEMBER, Map.of("role", "editor")),
            new Call("DELETE", "/api/v1/workspaces/{ws}/members/" + MEMBER, null),
            new Call("GET", "/api/v1/workspaces/{ws}/keys", null),
            new Call("POST", "/api/v1/workspaces/{ws}/keys", Map.of("memberId", MEMBER)),
            new Call("DELETE", "/api/v1/workspaces/{ws}/keys/" + KEY, null),
            new Call("GET", "/api/v1/workspaces/{ws}/audit", null),
            new Call("GET", "/api/v1/workspaces/{ws}/instances", null),
            new Call("POST", "/api/v1/workspaces/{ws}/instances", Api.instanceBody("n1")),
            new Call("GET", "/api/v1/workspaces/{ws}/instances/{id}", null),
            new Call("PATCH", "/api/v1/workspaces/{ws}/instances/{id}", Map.of("description", "d")),
            new Call("POST", "/api/v1/workspaces/{ws}/instances/{id}/release", null),
            new Call("POST", "/api/v1/workspaces/{ws}/instances/{id}/redeploy", null),
            new Call("POST", "/api/v1/workspaces/{ws}/instances/{id}/stop", null),
            new Call("POST", "/api/v1/workspaces/{ws}/instances/{id}/start", null),
            new Call("GET", "/api/v1/workspaces/{ws}/instances/{id}/usage", null),
            new Call("GET", "/api/v1/workspaces/{ws}/instances/{id}/vpc-address", null),
            new Call("GET", "/api/v1/workspaces/{ws}/instance-specs", null),
            new Call("GET", "/api/v1/workspaces/{ws}/instances/{id}/acl/entries", null),
            new Call("POST", "/api/v1/workspaces/{ws}/instances/{id}/acl/entries", Map.of("cidr", "10.0.0.0/24")),
            new Call("DELETE", "/api/v1/workspaces/{ws}/instances/{id}/acl/entries?cidr=10.0.0.0/24", null),
            new Call("GET", "/api/v1/workspaces/{ws}/instances/{id}/diagnose?source=10.0.0.1", null),
            new Call("POST", "/api/v1/workspaces/{ws}/notebook-sessions/{id}/jupyter-link", null));

    @Test
    void aWorkspaceTheCallerIsNotAMemberOfIs404OnEveryRoute() {
        String mine = Api.workspace();
        String[] stranger = Api.member(mine, "owner");
        String foreign = Api.workspace();
        String id = Api.createInstance(Api.admin(), foreign, Api.unique("inst")).statusCode(201).extract().path("id");
        for (Call c : WORKSPACE_ROUTES) {
            assertEquals(404, c.send(stranger[1], foreign, id), c.method() + " " + c.path());
            assertEquals(404, c.send(stranger[1], "no-such-workspace", id), c.method() + " " + c.path());
        }
        // a resource of another workspace through the caller's own workspace: 404 too (the services scope by the token)
        Api.createInstance(stranger[1], mine, Api.unique("mine")).statusCode(201);
        as(stranger[1]).get("/api/v1/workspaces/" + mine + "/instances/" + id).then().statusCode(404);
        as(stranger[1]).get("/api/v1/workspaces/" + mine + "/instances/" + id + "/vpc-address").then().statusCode(404);
    }

    @Test
    void viewersReadButChangeNothing() {
        String ws = Api.workspace();
        String id = Api.createInstance(Api.admin(), ws, Api.unique("inst")).statusCode(201).extract().path("id");
        String[] viewer = Api.member(ws, "viewer");
        for (Call c : WORKSPACE_ROUTES) {
            int status = c.send(viewer[1], ws, id);
            boolean ownerOnlyRead = c.path().endsWith("/keys") || c.path().endsWith("/audit");
            if (c.method().equals("GET") && !ownerOnlyRead) {
                assertEquals(200, status, c.method() + " " + c.path());
            } else {
                assertEquals(403, status, c.method() + " " + c.path());
            }
        }
    }

    @Test
    void editorsChangeResourcesButNotMembersKeysOrAudit() {
        String ws = Api.workspace();
        String[] editor = Api.member(ws, "editor");
        Api.createInstance(editor[1], ws, Api.unique("inst")).statusCode(201);
        as(editor[1]).body(Map.of("name", "x")).patch("/api/v1/workspaces/" + ws).then().statusCode(403);
        as(editor[1]).body(Map.of("displayName", "x", "role", "viewer")).post("/api/v1/workspaces/" + ws + "/members").then().statusCode(403);
        as(editor[1]).body(Map.of("role", "owner")).patch("/api/v1/workspaces/" + ws + "/members/" + editor[0]).then().statusCode(403);
        as(editor[1]).get("/api/v1/workspaces/" + ws + "/keys").then().statusCode(403);
        as(editor[1]).body(Map.of("memberId", editor[0])).post("/api/v1/workspaces/" + ws + "/keys").then().statusCode(403);
        as(editor[1]).get("/api/v1/workspaces/" + ws + "/audit").then().statusCode(403)
                .contentType("application/problem+json").body("code", equalTo("ROLE_OWNER"));
        as(editor[1]).get("/api/v1/workspaces/" + ws + "/members").then().statusCode(200).body("items.memberId", hasItem(editor[0]));
    }

    @Test
    void ownersManageMembersAndTheLastOwnerStays() {
        String ws = Api.workspace();
        String admin = as(Api.admin()).get("/api/v1/me").then().extract().path("id");
        as(Api.admin()).body(Map.of("role", "editor")).patch("/api/v1/workspaces/" + ws + "/members/" + admin).then()
                .statusCode(409).body("code", equalTo("LAST_OWNER"));
        as(Api.admin()).delete("/api/v1/workspaces/" + ws + "/members/" + admin).then().statusCode(409);

        // a new user: the answer is the new member
        String[] bob = Api.member(ws, "viewer");
        as(Api.admin()).body(Map.of("role", "owner")).patch("/api/v1/workspaces/" + ws + "/members/" + bob[0]).then()
                .statusCode(200).body("role", equalTo("owner"));
        as(bob[1]).get("/api/v1/workspaces/" + ws + "/audit").then().statusCode(200); // the promotion counts at once
        // now two owners: the admin may step down, and bob is the last owner
        as(Api.admin()).body(Map.of("role", "viewer")).patch("/api/v1/workspaces/" + ws + "/members/" + admin).then().statusCode(200);
        as(bob[1]).body(Map.of("role", "viewer")).patch("/api/v1/workspaces/" + ws + "/members/" + bob[0]).then().statusCode(409);
        as(bob[1]).body(Map.of("role", "owner")).patch("/api/v1/workspaces/" + ws + "/members/" + admin).then().statusCode(200);

        // an existing member is added by id; twice is a conflict
        String other = Api.workspace();
        as(Api.admin()).body(Map.of("memberId", bob[0], "role", "editor")).post("/api/v1/workspaces/" + other + "/members").then()
                .statusCode(201).body("memberId", equalTo(bob[0])).body("role", equalTo("editor"));
        as(Api.admin()).body(Map.of("memberId", bob[0], "role", "editor")).post("/api/v1/workspaces/" + other + "/members").then()
                .statusCode(409).body("code", equalTo("ALREADY_MEMBER"));
        as(Api.admin()).body(Map.of("memberId", "mem_zzzzzzzzzzzzzzzz", "role", "editor")).post("/api/v1/workspaces/" + other + "/members")
                .then().statusCode(400).body("field", equalTo("memberId"));
        as(Api.admin()).body(Map.of("memberId", bob[0], "displayName", "both", "role", "editor")).post("/api/v1/workspaces/" + other + "/members")
                .then().statusCode(400);
        // bob's key for ws does not reach other (it is scoped)
        as(bob[1]).get("/api/v1/workspaces/" + other).then().statusCode(404);

        // removing a member revokes their keys scoped to the workspace at once
        as(bob[1]).get("/api/v1/me").then().statusCode(200);
        as(Api.admin()).delete("/api/v1/workspaces/" + ws + "/members/" + bob[0]).then().statusCode(204);
        as(bob[1]).get("/api/v1/me").then().statusCode(401);
        as(Api.admin()).get("/api/v1/workspaces/" + ws + "/members").then().body("items.memberId", not(hasItem(bob[0])));
    }

    @Test
    void workspacesAreListedForTheirMembersOnly() {
        String ws = Api.workspace();
        String other = Api.workspace();
        String[] viewer = Api.member(ws, "viewer");
        as(viewer[1]).get("/api/v1/workspaces").then().statusCode(200).body("items.id", equalTo(List.of(ws)))
                .body("items[0].role", equalTo("viewer"));
        as(Api.admin()).get("/api/v1/workspaces?pageSize=1").then().statusCode(200).body("items.size()", equalTo(1))
                .body("nextPageToken", org.hamcrest.Matchers.notNullValue());
        as(Api.admin()).get("/api/v1/workspaces?pageToken=bogus!").then().statusCode(400).body("field", equalTo("pageToken"));
        as(Api.admin()).get("/api/v1/workspaces?pageSize=0").then().statusCode(400).body("field", equalTo("pageSize"));
        as(Api.admin()).body(Map.of("name", "  ")).post("/api/v1/workspaces").then().statusCode(400).body("field", equalTo("name"))
                .body("code", equalTo("PATTERN"));
        as(Api.admin()).body(Map.of("name", "renamed " + other)).patch("/api/v1/workspaces/" + other).then().statusCode(200)
                .body("name", equalTo("renamed " + other));
        as(Api.admin()).contentType("application/merge-patch+json").body("{\"name\": \"merged\"}").patch("/api/v1/workspaces/" + other)
                .then().statusCode(200).body("name", equalTo("merged"));
    }
}
