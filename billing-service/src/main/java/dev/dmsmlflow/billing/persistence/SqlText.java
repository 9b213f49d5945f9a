package dev.dmsmlflow.billing.persistence;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Values as PostgreSQL reads them from text, written without {@code DateTimeFormatter} (which costs more than the rest of
 * a ledger row's encoding together): an instant as {@code yyyy-MM-ddTHH:mm:ss[.nnnnnnnnn]Z}, the same instant PostgreSQL
 * reads from {@link Instant#toString()}.
 */
final class SqlText {

    /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the instants written with a four-digit year. */
    private static final long FIRST = -62_167_219_200L;
    private static final long LAST = 253_402_300_799L;

    private SqlText() {
    }

    /** An instant in UTC as ISO-8601 text; years outside 0-9999 as {@link Instant#toString()}. */
    static String instant(Instant t) {
        long seconds = t.getEpochSecond();
        if (seconds < FIRST || seconds > LAST) {
            return t.toString();
        }
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        LocalDate d = LocalDate.ofEpochDay(days);
        int year = d.getYear();
        int nanos = t.getNano();
        char[] c = new char[nanos == 0 ? 20 : 30];
        put(c, 0, year, 4);
        c[4] = '-';
        put(c, 5, d.getMonthValue(), 2);
        c[7] = '-';
        put(c, 8, d.getDayOfMonth(), 2);
        c[10] = 'T';
        put(c, 11, secondOfDay / 3_600, 2);
        c[13] = ':';
        put(c, 14, secondOfDay / 60 % 60, 2);
        c[16] = ':';
        put(c, 17, secondOfDay % 60, 2);
        if (nanos != 0) {
            c[19] = '.';
            put(c, 20, nanos, 9);
        }
        c[c.length - 1] = 'Z';
        return new String(c);
    }

    private static void put(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
