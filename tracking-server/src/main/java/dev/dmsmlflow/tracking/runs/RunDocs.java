package dev.dmsmlflow.tracking.runs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.dmsmlflow.tracking.http.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a run's params or tags from its run_docs row (a jsonb object of key to string or null, V50) in key
 * order: code point order, as PostgreSQL sorts the keys in this database (C.UTF-8) and as the params and tags
 * were listed when they were read from their own tables.
 */
final class RunDocs {
    private RunDocs() {
    }

    /** Adds the entries of {@code json} (a jsonb object's text) to {@code into}, sorted by key. */
    static void readInto(String json, Map<String, String> into) {
        if (json == null || json.length() <= 2) {
            return;
        }
        List<String[]> entries = new ArrayList<>();
        try (JsonParser p = Json.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("run_docs: not an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                entries.add(new String[] {key, t == JsonToken.VALUE_NULL ? null : p.getText()});
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        entries.sort((a, b) -> compareCodePoints(a[0], b[0]));
        for (String[] e : entries) {
            into.put(e[0], e[1]);
        }
    }

    /** Code point order (String.compareTo compares UTF-16 units, which differs for supplementary characters). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
