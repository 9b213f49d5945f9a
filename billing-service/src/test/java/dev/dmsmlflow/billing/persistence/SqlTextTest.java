package dev.dmsmlflow.billing.persistence;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Instants written for PostgreSQL read back as the same instant, whole seconds and fractions alike. */
class SqlTextTest {

    @Test
    void instantsReadBackTheSame() {
        Random random = new Random(12);
        for (int i = 0; i < 100_000; i++) {
            long seconds = random.nextLong(253_402_300_800L); // 1970 to 9999
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(seconds, nanos);
            assertEquals(t, Instant.parse(SqlText.instant(t)), t::toString);
        }
        assertEquals("2025-08-01T00:00:00Z", SqlText.instant(Instant.parse("2025-08-01T00:00:00Z")));
        assertEquals("2025-08-01T13:45:59.120000000Z", SqlText.instant(Instant.parse("2025-08-01T13:45:59.12Z")));
        assertEquals("1969-12-31T23:59:59Z", SqlText.instant(Instant.ofEpochSecond(-1)));
        assertEquals("0000-01-01T00:00:00Z", SqlText.instant(Instant.parse("0000-01-01T00:00:00Z")));
        assertEquals(Instant.MAX.toString(), SqlText.instant(Instant.MAX));
        assertEquals(Instant.MIN.toString(), SqlText.instant(Instant.MIN));
    }
}
