package dev.dmsmlflow.billing.messaging;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import dev.dmsmlflow.contracts.WireFormat;
import dev.dmsmlflow.contracts.usage.UsageMetered;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Decodes UsageMetered payloads on the ledger's hot path: the contracts' wire-format mapper with one pre-built reader for
 * the record, and a parser for the one instant form meters write ({@code 2025-08-01T00:00:00Z}, optionally with a
 * fraction) that is several times cheaper than {@code DateTimeFormatter}; any other form goes to Jackson's own
 * deserializer, so what decodes, and to what, is the same as with {@code EventCodec}.
 */
final class UsageDecoder {

    private final ObjectReader reader;

    UsageDecoder() {
        ObjectMapper mapper = WireFormat.newObjectMapper();
        mapper.registerModule(new SimpleModule("usage-instants").addDeserializer(Instant.class, new UtcInstants()));
        this.reader = mapper.readerFor(UsageMetered.class);
    }

    /** The reading of a payload; {@link IllegalArgumentException} when it is not one (bad JSON, a required field missing). */
    UsageMetered decode(String json) {
        try {
            return reader.readValue(json);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("cannot decode UsageMetered payload: " + e.getMessage(), e);
        }
    }

    /** Instants as UTC text: the common form parsed by hand, everything else by Jackson's {@link InstantDeserializer}. */
    static final class UtcInstants extends StdDeserializer<Instant> {

        UtcInstants() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                Instant fast = parse(p.getText());
                if (fast != null) {
                    return fast;
                }
            }
            return InstantDeserializer.INSTANT.deserialize(p, ctxt);
        }

        /**
         * {@code yyyy-MM-ddTHH:mm:ss[.f…]Z} (1 to 9 fraction digits) as an instant; null for any other text, including
         * leap seconds and impossible dates, which the general parser then accepts or refuses.
         */
        static Instant parse(String s) {
            int n = s.length();
            if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                    || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
                return null;
            }
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 2);
            int day = digits(s, 8, 2);
            int hour = digits(s, 11, 2);
            int minute = digits(s, 14, 2);
            int second = digits(s, 17, 2);
            if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                    || second < 0 || second > 59 || day > LocalDate.of(year, month, 1).lengthOfMonth()) {
                return null;
            }
            int nanos = 0;
            if (n > 20) {
                int fraction = n - 21; // characters between '.' and 'Z'
                if (s.charAt(19) != '.' || fraction < 1 || fraction > 9) {
                    return null;
                }
                int f = digits(s, 20, fraction);
                if (f < 0) {
                    return null;
                }
                nanos = f;
                for (int i = fraction; i < 9; i++) {
                    nanos *= 10;
                }
            }
            long days = LocalDate.of(year, month, day).toEpochDay();
            return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
        }

        /** The decimal number of {@code count} ASCII digits at {@code from}, or -1 when one is not a digit. */
        private static int digits(String s, int from, int count) {
            int v = 0;
            for (int i = from; i < from + count; i++) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                v = v * 10 + (c - '0');
            }
            return v;
        }
    }
}
