package dev.dmsmlflow.platform.work;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The parts of {@link Leases} that need no database (the SQL runs against PostgreSQL in the services' tests). */
class LeasesTest {

    @Test
    void onlyPlainIdentifiersNameTheTableAndColumns() {
        new Leases("notebook_session", "id", "action_owner", "action_lease_until");
        assertThrows(IllegalArgumentException.class, () -> new Leases("instance; DROP TABLE x", "id", "o", "u"));
        assertThrows(IllegalArgumentException.class, () -> new Leases("instance", "id", "step owner", "u"));
        assertThrows(IllegalArgumentException.class, () -> new Leases("instance", null, "o", "u"));
    }

    @Test
    void heldRowsAreRenewedOnceThenNotBeforeAThirdOfTheLease() {
        Leases.Held held = new Leases.Held(Duration.ofMinutes(30));
        held.add("a");
        held.add("b");
        held.remove("a");
        List<List<String>> renewals = new ArrayList<>();
        held.renewIfDue(renewals::add);
        held.renewIfDue(renewals::add);
        assertEquals(List.of(List.of("b")), renewals, "the first round renews what is held, the next one is not due yet");
    }
}
