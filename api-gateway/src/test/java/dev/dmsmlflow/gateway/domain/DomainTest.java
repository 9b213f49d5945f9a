package dev.dmsmlflow.gateway.domain;

import dev.dmsmlflow.platform.problem.ProblemException;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainTest {

    @Test
    void apiKeysHaveTheDmsFormatAndNeverPrintTheirSecret() {
        ApiKeyToken t = ApiKeyToken.generate(new SecureRandom());
        String token = t.reveal();
        assertTrue(token.matches(ApiKeyToken.PATTERN.substring(1, ApiKeyToken.PATTERN.length() - 1)));
        assertFalse(t.toString().contains(token.substring(21)));
        ApiKeyToken parsed = ApiKeyToken.parse(token).orElseThrow();
        assertEquals(t.id(), parsed.id());
        assertTrue(parsed.matches(t.secretSha256()));
        assertFalse(ApiKeyToken.parse(token.substring(0, 21) + "A".repeat(40)).orElseThrow().matches(t.secretSha256()));
        for (String bad : new String[] {"", "dms_", "xyz_" + token.substring(4), token + "x", token.replace('_', '-'),
                "dms_ABCDEFGHIJKLMNOP_" + "a".repeat(40), "dms_abcdefghijklmnop_" + "a".repeat(39) + "!"}) {
            assertTrue(ApiKeyToken.parse(bad).isEmpty(), bad);
        }
        assertTrue(ApiKeyToken.generate(new SecureRandom()).id().matches("[a-z0-9]{16}"));
    }

    @Test
    void aBucketLetsABurstThroughThenTheRate() {
        long t = 0;
        TokenBucket b = new TokenBucket(10, 3, t);
        assertEquals(0, b.tryTake(t));
        assertEquals(0, b.tryTake(t));
        assertEquals(0, b.tryTake(t));
        long wait = b.tryTake(t);
        assertEquals(100_000_000L, wait);
        assertTrue(b.tryTake(t + 50_000_000L) > 0);
        assertEquals(0, b.tryTake(t + 100_000_000L));
        // refills to the burst, not beyond
        long later = t + 10_000_000_000L;
        for (int i = 0; i < 3; i++) {
            assertEquals(0, b.tryTake(later));
        }
        assertTrue(b.tryTake(later) > 0);
    }

    @Test
    void rolesIncludeTheOnesBelow() {
        assertTrue(Role.OWNER.includes(Role.EDITOR));
        assertTrue(Role.EDITOR.includes(Role.VIEWER));
        assertFalse(Role.VIEWER.includes(Role.EDITOR));
        assertFalse(Role.EDITOR.includes(Role.OWNER));
        assertEquals(java.util.List.of("owner", "editor", "viewer"), Role.OWNER.impliedWireNames());
        assertEquals(Role.EDITOR, Role.fromWire("editor"));
        assertTrue(Role.parse("Editor").isEmpty());
    }

    @Test
    void theLastOwnerIsNeverRemovedOrDemoted() {
        assertThrows(ProblemException.class, () -> Memberships.ensureAnOwnerRemains(Role.OWNER, Role.EDITOR, 1));
        assertThrows(ProblemException.class, () -> Memberships.ensureAnOwnerRemains(Role.OWNER, null, 1));
        assertDoesNotThrow(() -> Memberships.ensureAnOwnerRemains(Role.OWNER, Role.EDITOR, 2));
        assertDoesNotThrow(() -> Memberships.ensureAnOwnerRemains(Role.OWNER, Role.OWNER, 1));
        assertDoesNotThrow(() -> Memberships.ensureAnOwnerRemains(Role.VIEWER, null, 1));
    }

    @Test
    void workspaceIdsAreChecked() {
        assertTrue(Ids.isWorkspaceId("ws-1"));
        assertTrue(Ids.isWorkspaceId(Ids.workspace(new SecureRandom())));
        assertFalse(Ids.isWorkspaceId("WS"));
        assertFalse(Ids.isWorkspaceId("-x"));
        assertFalse(Ids.isWorkspaceId(null));
        assertTrue(Ids.member(new SecureRandom()).matches("mem_[a-z0-9]{16}"));
    }
}
