package dev.dmsmlflow.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmsmlflow.contracts.instance.InstanceReleaseRequested;
import dev.dmsmlflow.contracts.network.NetworkFailureCode;
import dev.dmsmlflow.contracts.network.NetworkProvisionFailed;
import dev.dmsmlflow.contracts.usage.ResourceType;
import dev.dmsmlflow.contracts.usage.UsageMetered;
import dev.dmsmlflow.contracts.usage.UsageSubjectType;
import dev.dmsmlflow.contracts.usage.UsageUnit;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    private final ObjectMapper mapper = WireFormat.newObjectMapper();
    private final EventCodec codec = new EventCodec(mapper);

    private static UsageMetered usage(BigDecimal quantity) {
        return new UsageMetered("nbs-1:COMPUTE:2025-04-01T08:00:00Z", UsageSubjectType.NOTEBOOK_SESSION, "nbs-1", "ws-1",
                ResourceType.COMPUTE, "1C4G", Instant.parse("2025-04-01T08:00:00Z"),
                Instant.parse("2025-04-01T09:00:00Z"), quantity, UsageUnit.SESSION_HOURS,
                Instant.parse("2025-04-01T09:00:01.123456789Z"));
    }

    @Test
    void instantsAreWrittenAsIsoUtcStrings() {
        JsonNode json = codec.toTree(usage(BigDecimal.ONE));
        assertEquals("2025-04-01T08:00:00Z", json.get("windowStart").textValue());
        assertEquals("2025-04-01T09:00:01.123456789Z", json.get("meteredAt").textValue());
    }

    @Test
    void instantsWithAnOffsetAreReadAsTheSameMoment() {
        String json = codec.encode(usage(BigDecimal.ONE)).replace("2025-04-01T08:00:00Z", "2025-04-01T10:00:00+02:00");
        assertEquals(Instant.parse("2025-04-01T08:00:00Z"), codec.decode(UsageMetered.class, json).windowStart());
    }

    @Test
    void bigDecimalsStayExactWithTheirScaleAndAreNeverInScientificNotation() {
        BigDecimal precise = new BigDecimal("0.10000000000000000000000000001");
        String json = codec.encode(usage(precise));
        assertTrue(json.contains("\"quantity\":0.10000000000000000000000000001"), json);
        assertEquals(precise, codec.decode(UsageMetered.class, json).quantity());

        String big = codec.encode(usage(new BigDecimal("1E+3")));
        assertTrue(big.contains("\"quantity\":1000"), big);
        assertEquals(new BigDecimal("1.500"), codec.decode(UsageMetered.class, codec.encode(usage(new BigDecimal("1.500")))).quantity());
    }

    @Test
    void absentOptionalFieldsAreOmittedNotWrittenAsNull() {
        String json = codec.encode(new InstanceReleaseRequested("mlf-1", "ws-1", null, Instant.parse("2025-05-10T17:42:00Z")));
        assertFalse(json.contains("requestedBy"), json);
        assertFalse(json.contains("null"), json);
        assertTrue(EventSchemas.validate(InstanceReleaseRequested.TYPE, codec.toTree(
                codec.decode(InstanceReleaseRequested.class, json))).isEmpty());
    }

    @Test
    void unknownPropertiesAreIgnoredOnRead() {
        String json = "{\"instanceId\":\"mlf-1\",\"workspaceId\":\"ws-1\",\"requestedAt\":\"2025-05-10T17:42:00Z\","
                + "\"addedInV1_3\":{\"nested\":[1,2]}}";
        InstanceReleaseRequested e = codec.decode(InstanceReleaseRequested.class, json);
        assertEquals("mlf-1", e.instanceId());
    }

    @Test
    void anEnumValueAddedLaterReadsAsUnrecognizedInsteadOfFailing() {
        String json = "{\"instanceId\":\"mlf-1\",\"workspaceId\":\"ws-1\",\"code\":\"SOME_FUTURE_CODE\","
                + "\"message\":\"m\",\"failedAt\":\"2025-04-01T08:15:31Z\"}";
        assertEquals(NetworkFailureCode.UNRECOGNIZED, codec.decode(NetworkProvisionFailed.class, json).code());
    }

    @Test
    void aPayloadMissingARequiredFieldIsRejectedOnRead() {
        String json = "{\"instanceId\":\"mlf-1\",\"requestedAt\":\"2025-05-10T17:42:00Z\"}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.decode(InstanceReleaseRequested.TYPE, json));
        assertTrue(e.getMessage().contains("workspaceId"), e.getMessage());
    }

    @Test
    void anUnknownEventTypeIsReportedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.decode("NoSuchEvent", "{}"));
        assertTrue(e.getMessage().contains("NoSuchEvent"));
    }
}
