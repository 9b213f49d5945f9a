package dev.dmsmlflow.network.domain;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static dev.dmsmlflow.network.domain.BackendHealth.Status.HEALTHY;
import static dev.dmsmlflow.network.domain.BackendHealth.Status.UNHEALTHY;
import static dev.dmsmlflow.network.domain.BackendHealth.Status.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendHealthTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void theVerdictChangesOnlyAfterTheThresholdInARow() {
        BackendHealth h = BackendHealth.unknown(T0, null);
        h = h.passed(t(5), 2);
        assertEquals(UNKNOWN, h.status(), "one pass is not enough");
        h = h.passed(t(10), 2);
        assertEquals(HEALTHY, h.status());
        assertEquals(t(10), h.since());

        h = h.failed(t(15), "no answer within 2s", 3).failed(t(20), "no answer within 2s", 3);
        assertEquals(HEALTHY, h.status(), "two failures of three");
        assertEquals("no answer within 2s", h.reason());
        assertEquals(t(10), h.since(), "since does not move without a change");
        h = h.passed(t(25), 2);
        assertNull(h.reason(), "a pass clears the reason");
        assertEquals(0, h.failuresInARow(), "a pass breaks the run of failures");
        h = h.failed(t(30), "a", 3).failed(t(35), "b", 3);
        assertEquals(HEALTHY, h.status());
        h = h.failed(t(40), "GET /health answered 503", 3);
        assertEquals(UNHEALTHY, h.status());
        assertEquals(t(40), h.since());
        assertEquals(t(40), h.lastCheckedAt());
        assertEquals("GET /health answered 503", h.reason());

        h = h.failed(t(45), "GET /health answered 503", 3);
        assertEquals(UNHEALTHY, h.status());
        assertEquals(t(40), h.since());
        assertEquals(4, h.failuresInARow());
        h = h.passed(t(50), 2);
        assertEquals(UNHEALTHY, h.status(), "one pass of two");
        h = h.passed(t(55), 2);
        assertEquals(HEALTHY, h.status());
        assertEquals(t(55), h.since());
    }

    @Test
    void aBackendNeverJudgedBecomesUnhealthyAfterTheFailureThreshold() {
        BackendHealth h = BackendHealth.unknown(T0, null).failed(t(1), "the connection was refused", 3)
                .failed(t(2), "the connection was refused", 3);
        assertEquals(UNKNOWN, h.status());
        h = h.failed(t(3), "the connection was refused", 3);
        assertEquals(UNHEALTHY, h.status());
        assertEquals(t(3), h.since());
    }

    @Test
    void theDiagnosisNamesTheBackendLayer() {
        Admission.Decision none = Admission.backend(false, BackendHealth.unknown(T0, "no tracking server is registered"));
        assertEquals("backend", none.layer());
        assertFalse(none.admitted());
        assertTrue(none.reason().contains("503"), none.reason());

        Admission.Decision unjudged = Admission.backend(true, BackendHealth.unknown(T0, null));
        assertTrue(unjudged.admitted(), "the load balancer forwards before a verdict");
        assertTrue(unjudged.reason().contains("not known yet"), unjudged.reason());

        BackendHealth down = BackendHealth.unknown(T0, null);
        for (int i = 1; i <= 3; i++) {
            down = down.failed(t(i), "no answer within 2s", 3);
        }
        Admission.Decision unhealthy = Admission.backend(true, down);
        assertFalse(unhealthy.admitted());
        assertEquals("the tracking server failed its last 3 health checks: no answer within 2s", unhealthy.reason());

        Admission.Decision healthy = Admission.backend(true, down.passed(t(4), 2).passed(t(5), 2));
        assertTrue(healthy.admitted());
        assertTrue(healthy.reason().contains("passed its last 2 health checks"), healthy.reason());
    }
}
