package dev.dmsmlflow.platform.problem;

import jakarta.persistence.OptimisticLockException;
import org.hibernate.StaleObjectStateException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConcurrentChangeExceptionTest {

    @Test
    void isA409NamingTheResourceAndItsId() {
        ConcurrentChangeException e = new ConcurrentChangeException("Network", "i-42");
        assertEquals(409, e.problem().status());
        assertEquals("CONCURRENT_CHANGE", e.problem().code());
        assertEquals("id", e.problem().field());
        assertEquals("Network i-42 was changed by another request meanwhile; nothing was written. Read it again and retry.",
                e.problem().detail());
    }

    @Test
    void recognizesALostRaceAlsoWhenACommitWrapsIt() {
        assertTrue(ConcurrentChangeException.isLostRace(new OptimisticLockException("stale")));
        assertTrue(ConcurrentChangeException.isLostRace(new IllegalStateException("commit failed",
                new RuntimeException(new StaleObjectStateException("Network", "i-1")))));
        IllegalStateException rolledBack = new IllegalStateException("rolled back");
        rolledBack.addSuppressed(new OptimisticLockException("stale"));
        assertTrue(ConcurrentChangeException.isLostRace(rolledBack));
        assertFalse(ConcurrentChangeException.isLostRace(new IllegalStateException("connection refused")));
        assertFalse(ConcurrentChangeException.isLostRace(null));
    }

    @Test
    void translatesALostRaceAndLetsOtherFailuresThrough() {
        ConcurrentChangeException e = assertThrows(ConcurrentChangeException.class, () -> ConcurrentChangeException.translating(
                "Network", "i-2", () -> {
                    throw new IllegalStateException(new OptimisticLockException("stale"));
                }));
        assertEquals("i-2", e.id());
        IllegalArgumentException other = new IllegalArgumentException("bad");
        assertSame(other, assertThrows(IllegalArgumentException.class, () -> ConcurrentChangeException.translating("Network", "i-2",
                () -> {
                    throw other;
                })));
    }

    @Test
    void retriesUntilAnAttemptWinsAndGivesUpAfterTheLastTry() {
        AtomicInteger tries = new AtomicInteger();
        String result = ConcurrentChangeException.retrying(3, "Network", "i-3", () -> {
            if (tries.incrementAndGet() < 3) {
                throw new OptimisticLockException("stale");
            }
            return "written";
        });
        assertEquals("written", result);
        assertEquals(3, tries.get());

        AtomicInteger losing = new AtomicInteger();
        assertThrows(ConcurrentChangeException.class, () -> ConcurrentChangeException.retrying(2, "Network", "i-3", () -> {
            losing.incrementAndGet();
            throw new ConcurrentChangeException("Network", "i-3");
        }));
        assertEquals(2, losing.get());
    }
}
