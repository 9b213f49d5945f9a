package dev.dmsmlflow.gateway;

import dev.dmsmlflow.gateway.support.Api;
import dev.dmsmlflow.gateway.support.StandInServices;
import dev.dmsmlflow.infra.LocalInfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import dev.dmsmlflow.gateway.application.BrowserTokens;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.dmsmlflow.gateway.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Browser sign-in tokens (the MLflow UI's, made by {@code …/ui-sign-in}): a viewer manages the ones they made; expired ones
 * are not listed; a role going down revokes those the new role no longer allows. The stand-in network-service keeps tokens
 * and, like the real one, serves token routes to editors only.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfraTestResource.class, initArgs = @ResourceArg(name = "service", value = "gateway"))
@QuarkusTestResource(StandInServices.class)
class GatewayBrowserTokensTest {

    @Inject
    BrowserTokens browserTokens;

    @Inject
    AgroalDataSource db;

    private static String tokens(String ws, String id) {
        return "/api/v1/workspaces/" + ws + "/instances/" + id + "/tokens";
    }

    private static String instance(String ws) {
        return Api.createInstance(Api.admin(), ws, Api.unique("ui")).statusCode(201).extract().path("id");
    }

    /** Signs the member in to the instance's UI; returns the id of the browser token it bought. */
    private static String signIn(String key, String memberId, String ws, String id) {
        as(key).post("/api/v1/workspaces/" + ws + "/instances/" + id + "/ui-sign-in").then().statusCode(201);
        return StandInServices.TOKENS.get(id).stream().filter(t -> memberId.equals(t.get("createdBy").asText()))
                .reduce((a, b) -> b).orElseThrow().get("id").asText();
    }

    private static boolean revoked(String id, String tokenId) {
        return StandInServices.token(id, tokenId).hasNonNull("revokedAt");
    }

    @Test
    void aViewerListsAndRevokesOnlyTheBrowserTokensTheyMade() {
        String ws = Api.workspace();
        String id = instance(ws);
        String[] viewer = Api.member(ws, "viewer");
        String[] otherViewer = Api.member(ws, "viewer");
        String[] editor = Api.member(ws, "editor");
        String mine = signIn(viewer[1], viewer[0], ws, id);
        String theirs = signIn(otherViewer[1], otherViewer[0], ws, id);
        String editors = signIn(editor[1], editor[0], ws, id);
        String apiToken = as(editor[1]).body(Map.of("name", "ci", "scope", "read")).post(tokens(ws, id)).then().statusCode(201)
                .extract().path("id");

        as(viewer[1]).get(tokens(ws, id)).then().statusCode(200).body("items.size()", equalTo(1))
                .body("items[0].id", equalTo(mine)).body("items[0].kind", equalTo("browser"))
                .body("items[0].createdBy", equalTo(viewer[0])).body("items[0].scope", equalTo("read"));
        // the gateway asked as the viewer, with the rights network-service requires for the list
        var asked = StandInServices.received("/networks/" + id + "/tokens").stream()
                .filter(r -> viewer[0].equals(r.claims().path("sub").asText())).toList();
        assertEquals("editor", asked.get(asked.size() - 1).claims().path("dms_role").asText());
        // editors and owners still see everything
        List<String> all = as(editor[1]).get(tokens(ws, id)).then().statusCode(200).extract().path("items.id");
        assertTrue(all.containsAll(List.of(mine, theirs, editors, apiToken)), all.toString());

        // another's browser token, an API token, an unknown one: not the viewer's to revoke
        as(viewer[1]).delete(tokens(ws, id) + "/" + theirs).then().statusCode(403).contentType("application/problem+json")
                .body("code", equalTo("ROLE_EDITOR")).body("field", equalTo("tokenId"));
        as(viewer[1]).delete(tokens(ws, id) + "/" + apiToken).then().statusCode(403);
        as(viewer[1]).delete(tokens(ws, id) + "/tok_ffffffffffff").then().statusCode(404).contentType("application/problem+json");
        assertFalse(revoked(id, theirs) || revoked(id, apiToken));
        // their own
        as(viewer[1]).delete(tokens(ws, id) + "/" + mine).then().statusCode(204);
        assertTrue(revoked(id, mine));
        as(viewer[1]).get(tokens(ws, id)).then().statusCode(200).body("items[0].status", equalTo("revoked"));
        // a viewer still creates none
        as(viewer[1]).body(Map.of("name", "x", "scope", "read")).post(tokens(ws, id)).then().statusCode(403);
        // audited like an editor's revocation
        List<Map<String, Object>> audit = as(Api.admin()).get("/api/v1/workspaces/" + ws + "/audit").then().statusCode(200)
                .extract().path("items");
        assertTrue(audit.stream().anyMatch(e -> "token.revoke".equals(e.get("action")) && viewer[0].equals(e.get("memberId"))
                && Integer.valueOf(204).equals(e.get("outcome"))), audit.toString());
    }

    @Test
    void membersOfAnotherWorkspaceSeeAndRevokeNothing() {
        String ws = Api.workspace();
        String id = instance(ws);
        String[] viewer = Api.member(ws, "viewer");
        String mine = signIn(viewer[1], viewer[0], ws, id);
        String elsewhere = Api.workspace();
        String[] stranger = Api.member(elsewhere, "viewer");
        String[] strangerOwner = Api.member(elsewhere, "owner");
        for (String key : List.of(stranger[1], strangerOwner[1])) {
            as(key).get(tokens(ws, id)).then().statusCode(404);
            as(key).delete(tokens(ws, id) + "/" + mine).then().statusCode(404);
            // this instance named under their own workspace: network-service scopes it to theirs
            as(key).get(tokens(elsewhere, id)).then().statusCode(404);
            as(key).delete(tokens(elsewhere, id) + "/" + mine).then().statusCode(404);
        }
        assertFalse(revoked(id, mine));
    }

    @Test
    void expiredBrowserTokensAreNoLongerListed() {
        String ws = Api.workspace();
        String id = instance(ws);
        String[] viewer = Api.member(ws, "viewer");
        String live = signIn(viewer[1], viewer[0], ws, id);
        String expired = StandInServices.addToken(id, "browser sign-in", "read", "browser", viewer[0], Instant.now().minusSeconds(1));
        String expiredApi = StandInServices.addToken(id, "old", "read", "api", viewer[0], Instant.now().minusSeconds(1));
        as(viewer[1]).get(tokens(ws, id)).then().statusCode(200).body("items.id", equalTo(List.of(live)));
        List<String> forOwner = as(Api.admin()).get(tokens(ws, id)).then().statusCode(200).extract().path("items.id");
        assertTrue(forOwner.contains(live) && forOwner.contains(expiredApi), forOwner.toString());
        assertFalse(forOwner.contains(expired), forOwner.toString());
    }

    @Test
    void aDemotedEditorLosesTheirReadWriteBrowserTokensAndARemovedMemberAllOfThem() {
        String ws = Api.workspace();
        String a = instance(ws);
        String b = instance(ws);
        String[] editor = Api.member(ws, "editor");
        String[] colleague = Api.member(ws, "editor");
        String rwA = signIn(editor[1], editor[0], ws, a);
        String rwB = signIn(editor[1], editor[0], ws, b);
        String readA = StandInServices.addToken(a, "browser sign-in", "read", "browser", editor[0], Instant.now().plusSeconds(3600));
        String apiA = as(editor[1]).body(Map.of("name", "ci", "scope", "read-write")).post(tokens(ws, a)).then().statusCode(201)
                .extract().path("id");
        String colleagues = signIn(colleague[1], colleague[0], ws, a);

        as(Api.admin()).body(Map.of("role", "viewer")).patch("/api/v1/workspaces/" + ws + "/members/" + editor[0]).then()
                .statusCode(200).body("role", equalTo("viewer"));
        // done when the change answers: read-write browser tokens gone at every instance; the rest untouched
        assertTrue(revoked(a, rwA) && revoked(b, rwB));
        assertFalse(revoked(a, readA), "a viewer may still read");
        assertFalse(revoked(a, apiA), "API tokens are managed by editors, not tied to a role");
        assertFalse(revoked(a, colleagues));
        // the demoted member now sees their browser tokens as a viewer (the revoked ones and the read one)
        List<String> seen = as(editor[1]).get(tokens(ws, a)).then().statusCode(200).extract().path("items.id");
        assertEquals(List.of(rwA, readA), seen);

        // promoted again: nothing to revoke; removed: every browser token of theirs goes
        as(Api.admin()).body(Map.of("role", "editor")).patch("/api/v1/workspaces/" + ws + "/members/" + editor[0]).then().statusCode(200);
        assertFalse(revoked(a, readA));
        as(Api.admin()).delete("/api/v1/workspaces/" + ws + "/members/" + editor[0]).then().statusCode(204);
        assertTrue(revoked(a, readA));
        assertFalse(revoked(a, apiA) || revoked(a, colleagues));
    }

    /** [attempts, last_error] of the member's pending revocations in the workspace. */
    private List<String> pending(String ws, String memberId) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT attempts, last_error FROM browser_token_revocations WHERE workspace_id = ? AND member_id = ?")) {
            ps.setString(1, ws);
            ps.setString(2, memberId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? List.of(rs.getString(1), String.valueOf(rs.getString(2))) : List.of();
            }
        }
    }

    @Test
    void aRevocationNetworkServiceCouldNotTakeIsKeptAndDoneByTheRetry() throws SQLException {
        String ws = Api.workspace();
        String id = instance(ws);
        String[] editor = Api.member(ws, "editor");
        String rw = signIn(editor[1], editor[0], ws, id);
        StandInServices.TOKENS_UNAVAILABLE.add(id);
        try {
            // the role change itself is done; the revocation waits
            as(Api.admin()).body(Map.of("role", "viewer")).patch("/api/v1/workspaces/" + ws + "/members/" + editor[0]).then()
                    .statusCode(200);
            assertFalse(revoked(id, rw));
            List<String> row = pending(ws, editor[0]);
            assertEquals("1", row.get(0));
            assertTrue(row.get(1).contains("503"), row.toString());
        } finally {
            StandInServices.TOKENS_UNAVAILABLE.remove(id);
        }
        // what the scheduled retry runs
        assertTrue(browserTokens.processFor(ws, editor[0]));
        assertTrue(revoked(id, rw));
        assertEquals(List.of(), pending(ws, editor[0]));
    }
}
