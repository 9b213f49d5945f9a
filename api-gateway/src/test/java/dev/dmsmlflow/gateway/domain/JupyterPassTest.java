package dev.dmsmlflow.gateway.domain;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JupyterPassTest {

    static final byte[] SECRET = "a secret of the test, 32 bytes!!".getBytes(StandardCharsets.US_ASCII);
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    static final JupyterPass PASS = new JupyterPass("mem_1", "0123456789abcdef", "ws-a", "s-1", NOW.plusSeconds(3600));

    @Test
    void aSealedPassOpensForItsOwnWorkspaceAndSessionUntilItExpires() {
        String v = PASS.seal(SECRET);
        assertEquals(PASS, JupyterPass.open(v, SECRET, "ws-a", "s-1", NOW).orElseThrow());
        assertTrue(JupyterPass.open(v, SECRET, "ws-b", "s-1", NOW).isEmpty());
        assertTrue(JupyterPass.open(v, SECRET, "ws-a", "s-2", NOW).isEmpty());
        assertTrue(JupyterPass.open(v, SECRET, "ws-a", "s-1", NOW.plusSeconds(3600)).isEmpty());
        assertEquals("ws-a", PASS.caller().keyWorkspaceId(), "the caller reaches the pass's workspace only");
    }

    @Test
    void anAlteredOrForeignPassDoesNotOpen() {
        String v = PASS.seal(SECRET);
        String[] parts = v.split("\\.");
        String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "j1|mem_1|0123456789abcdef|ws-b|s-1|1999999999".getBytes(StandardCharsets.UTF_8));
        assertTrue(JupyterPass.open(parts[0] + "." + otherPayload + "." + parts[2], SECRET, "ws-b", "s-1", NOW).isEmpty());
        assertTrue(JupyterPass.open(v, "another secret of 32 bytes......".getBytes(StandardCharsets.US_ASCII), "ws-a", "s-1", NOW).isEmpty());
        for (String bad : new String[] {"", "j1", "j1..", "x." + parts[1] + "." + parts[2], v + "x", v.replace('.', '|'), null}) {
            assertTrue(JupyterPass.open(bad, SECRET, "ws-a", "s-1", NOW).isEmpty(), String.valueOf(bad));
        }
        assertTrue(!PASS.toString().contains(v));
    }
}
