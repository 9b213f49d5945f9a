package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayAuditTest {

    @Inject
    AgroalDataSource db;

    @Test
    void everyMutationIsAuditedOnceWithTheVerifiedMemberNewestFirst() {
        String ws = Api.workspace();
        String[] editor = Api.member(ws, "editor");
        String[] viewer = Api.member(ws, "viewer");
        String editorKeyId = editor[1].substring(4, 20);
        String id = as(editor[1]).header("X-Request-Id", "req-create-" + ws).body(Api.instanceBody(Api.unique("aud")))
                .post("/api/v1/workspaces/" + ws + "/instances").then().statusCode(201).extract().path("id");
        as(viewer[1]).header("X-Request-Id", "req-denied-" + ws).post("/api/v1/workspaces/" + ws + "/instances/" + id + "/release")
                .then().statusCode(403);
        as(editor[1]).get("/api/v1/workspaces/" + ws + "/instances/" + id).then().statusCode(200); // reads are not audited
        as(editor[1]).header("X-Request-Id", "not sane!").post("/api/v1/workspaces/" + ws + "/instances/" + id + "/release")
                .then().statusCode(202).header("X-Request-Id", org.hamcrest.Matchers.not("not sane!"));

        List<Map<String, Object>> items = as(Api.admin()).get("/api/v1/workspaces/" + ws + "/audit").then().statusCode(200)
                .extract().path("items");
        // newest first: release, denied release, create, then the setup (keys, members, workspace)
        assertEquals("instance.release", items.get(0).get("action"));
        assertEquals(202, items.get(0).get("outcome"));
        assertEquals(editor[0], items.get(0).get("memberId"));
        assertEquals(id, items.get(0).get("resourceId"));
        assertEquals("instance.release", items.get(1).get("action"));
        assertEquals(403, items.get(1).get("outcome"));
        assertEquals(viewer[0], items.get(1).get("memberId"));
        assertEquals("req-denied-" + ws, items.get(1).get("requestId"));
        Map<String, Object> create = items.get(2);
        assertEquals("instance.create", create.get("action"));
        assertEquals("instance", create.get("resourceType"));
        assertEquals(id, create.get("resourceId"));
        assertEquals(201, create.get("outcome"));
        assertEquals(editor[0], create.get("memberId"));
        assertEquals(editorKeyId, create.get("keyId"));
        assertEquals(ws, create.get("workspaceId"));
        assertEquals("req-create-" + ws, create.get("requestId"));
        assertEquals("POST", create.get("method"));
        assertTrue(items.stream().anyMatch(e -> "member.add".equals(e.get("action"))));
        assertEquals("workspace.create", items.get(items.size() - 1).get("action"));
        assertEquals(1, items.stream().filter(e -> "instance.create".equals(e.get("action"))).count());

        // cursor pagination, newest first
        String next = as(Api.admin()).get("/api/v1/workspaces/" + ws + "/audit?pageSize=2").then().statusCode(200)
                .body("items.size()", equalTo(2)).extract().path("nextPageToken");
        as(Api.admin()).get("/api/v1/workspaces/" + ws + "/audit?pageSize=1&pageToken=" + next).then().statusCode(200)
                .body("items[0].id", equalTo(((Number) create.get("id")).intValue()));
    }

    @Test
    void theDatabaseRefusesToChangeOrDeleteAuditEntries() throws SQLException {
        Api.workspace();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            assertThrows(SQLException.class, () -> s.executeUpdate("update audit_entries set outcome = 200"));
            assertThrows(SQLException.class, () -> s.executeUpdate("delete from audit_entries"));
            assertThrows(SQLException.class, () -> s.executeUpdate("truncate audit_entries"));
            try (var rs = s.executeQuery("select count(*) from audit_entries")) {
                rs.next();
                assertTrue(rs.getLong(1) > 0);
            }
        }
    }
}
