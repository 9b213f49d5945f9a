package dev.dmsmlflow.billing.messaging;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmsmlflow.contracts.EventCodec;
import dev.dmsmlflow.contracts.EventSchemas;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The hot path's decoder reads every payload exactly as the contracts' codec does, and refuses what it refuses. */
class UsageDecoderTest {

    private final UsageDecoder decoder = new UsageDecoder();
    private final EventCodec codec = new EventCodec();

    @Test
    void theSchemasExampleDecodesAsWithTheCodec() {
        String json = EventSchemas.example(UsageMetered.TYPE).toString();
        assertEquals(codec.decode(UsageMetered.class, json), decoder.decode(json));
    }

    @Test
    void everyInstantFormTheCodecReadsIsReadTheSame() {
        for (String t : List.of("2025-08-01T00:00:00Z", "2025-08-01T13:45:59.5Z", "2025-08-01T13:45:59.123456789Z",
                "2024-02-29T23:59:59.000001Z", "1970-01-01T00:00:00Z", "2025-08-01t13:45:59z", "2025-08-01T13:45:59+08:00",
                " 2025-08-01T13:45:59Z", "2016-12-31T23:59:60Z", "+12025-08-01T00:00:00Z")) {
            String json = withInstant(t);
            Object expected;
            try {
                expected = codec.decode(UsageMetered.class, json).windowStart();
            } catch (IllegalArgumentException e) {
                assertThrows(IllegalArgumentException.class, () -> decoder.decode(json), t);
                continue;
            }
            assertEquals(expected, decoder.decode(json).windowStart(), t);
        }
        assertEquals(Instant.parse("2025-08-01T13:45:59.123456789Z"), UsageDecoder.UtcInstants.parse("2025-08-01T13:45:59.123456789Z"));
    }

    @Test
    void impossibleDatesAndOtherFormsAreLeftToTheGeneralParser() {
        for (String t : List.of("2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-08-01T24:00:00Z", "2025-08-01T00:60:00Z",
                "2025-08-01T00:00:00.Z", "2025-08-01T00:00:00.1234567890Z", "2025-08-01 00:00:00Z", "2025-8-01T00:00:00Z",
                "2016-12-31T23:59:60Z")) {
            assertNull(UsageDecoder.UtcInstants.parse(t), t);
            String json = withInstant(t);
            boolean codecReads;
            try {
                codec.decode(UsageMetered.class, json);
                codecReads = true;
            } catch (IllegalArgumentException e) {
                codecReads = false;
            }
            if (codecReads) {
                assertEquals(codec.decode(UsageMetered.class, json), decoder.decode(json), t);
            } else {
                assertThrows(IllegalArgumentException.class, () -> decoder.decode(json), t);
            }
        }
    }

    @Test
    void aMissingRequiredFieldOrBadJsonIsRefused() {
        ObjectNode example = (ObjectNode) EventSchemas.example(UsageMetered.TYPE).deepCopy();
        example.remove("meteredAt");
        assertThrows(IllegalArgumentException.class, () -> decoder.decode(example.toString()));
        assertThrows(IllegalArgumentException.class, () -> decoder.decode("{\"meterId\": "));
        assertThrows(IllegalArgumentException.class, () -> decoder.decode(""));
    }

    private static String withInstant(String t) {
        ObjectNode example = (ObjectNode) EventSchemas.example(UsageMetered.TYPE).deepCopy();
        example.put("windowStart", t);
        return example.toString();
    }
}
