package dev.dmsmlflow.tracking.traces;

import dev.dmsmlflow.tracking.http.MlflowException;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** protobuf-JSON {@code Timestamp} ("2025-01-01T10:00:00.123Z") and {@code Duration} ("0.098s") in milliseconds. */
public final class ProtoTime {
    private ProtoTime() {
    }

    public static String timestamp(long ms) {
        Instant i = Instant.ofEpochMilli(ms);
        String s = DateTimeFormatter.ISO_INSTANT.format(i.minusNanos(i.getNano()));
        int frac = (int) Math.floorMod(ms, 1000L);
        if (frac == 0) {
            return s;
        }
        return s.substring(0, s.length() - 1) + String.format(".%03dZ", frac);
    }

    public static String duration(long ms) {
        long sec = ms / 1000;
        int frac = (int) Math.abs(ms % 1000);
        String sign = ms < 0 && sec == 0 ? "-" : "";
        return frac == 0 ? sign + sec + "s" : sign + sec + String.format(".%03ds", frac);
    }

    /** Milliseconds of a Timestamp given as RFC 3339 text, or as epoch milliseconds (number or digits). */
    public static Long parseTimestamp(String field, com.fasterxml.jackson.databind.JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return n.longValue();
        }
        if (n.isObject()) {
            long s = n.path("seconds").asLong(0);
            long nanos = n.path("nanos").asLong(0);
            return s * 1000 + nanos / 1_000_000;
        }
        String t = n.asText().trim();
        try {
            return OffsetDateTime.parse(t).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e2) {
                throw MlflowException.invalidParameter("Invalid value '" + t + "' for parameter '" + field
                        + "': expected an RFC 3339 timestamp");
            }
        }
    }

    /** Milliseconds of a Duration given as "1.5s", or as a number of milliseconds. */
    public static Long parseDuration(String field, com.fasterxml.jackson.databind.JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return n.longValue();
        }
        if (n.isObject()) {
            long s = n.path("seconds").asLong(0);
            long nanos = n.path("nanos").asLong(0);
            return s * 1000 + nanos / 1_000_000;
        }
        String t = n.asText().trim();
        try {
            if (t.endsWith("s")) {
                return new BigDecimal(t.substring(0, t.length() - 1)).movePointRight(3).longValue();
            }
            return Long.parseLong(t);
        } catch (NumberFormatException | ArithmeticException e) {
            throw MlflowException.invalidParameter("Invalid value '" + t + "' for parameter '" + field
                    + "': expected a duration such as '1.5s'");
        }
    }
}
