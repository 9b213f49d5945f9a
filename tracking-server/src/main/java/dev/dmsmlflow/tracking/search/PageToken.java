package dev.dmsmlflow.tracking.search;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.tracking.http.Json;
import dev.dmsmlflow.tracking.http.MlflowException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Opaque page tokens: base64 of {@code {"offset": N}}, as upstream does. */
public final class PageToken {
    private PageToken() {
    }

    public static String encode(long offset) {
        return Base64.getEncoder().encodeToString(("{\"offset\": " + offset + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** The offset a token stands for; 0 for null/empty; 400 when it is not one of ours. */
    public static long decodeOffset(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        JsonNode node;
        try {
            byte[] raw = Base64.getDecoder().decode(token.trim());
            node = Json.MAPPER.readTree(raw);
        } catch (Exception e) {
            throw MlflowException.invalidParameter("Invalid page token, could not base64-decode");
        }
        JsonNode off = node == null ? null : node.get("offset");
        if (off == null || !off.canConvertToLong() || !off.isIntegralNumber() || off.longValue() < 0) {
            throw MlflowException.invalidParameter("Invalid page token, decoded value=" + node);
        }
        return off.longValue();
    }
}
