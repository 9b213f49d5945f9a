package dev.dmsmlflow.platform.kubernetes;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelSelectorsTest {

    @Test
    void readsPairsInKeyOrderTrimmedAndSkipsBlankParts() {
        Map<String, String> labels = LabelSelectors.parse(" tier = lb ,app.kubernetes.io/name=x,, ");
        assertEquals(List.of("app.kubernetes.io/name", "tier"), List.copyOf(labels.keySet()));
        assertEquals("x", labels.get("app.kubernetes.io/name"));
        assertEquals("lb", labels.get("tier"));
        assertEquals("", LabelSelectors.parse("empty=").get("empty"));
        assertTrue(LabelSelectors.parse("").isEmpty());
        assertTrue(LabelSelectors.parse(null).isEmpty());
    }

    @Test
    void refusesAPartWithoutKey() {
        for (String bad : List.of("app", "=x", "a=b,c", " =x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelSelectors.parse(bad), bad);
            assertTrue(e.getMessage().contains("key=value"), e.getMessage());
        }
    }

    @Test
    void eachCallAnswersAMapOfItsOwnThatTheCallerMayExtend() {
        var first = LabelSelectors.parse("a=b");
        first.put("instance", "i-1");
        assertEquals(java.util.Map.of("a", "b"), LabelSelectors.parse("a=b"));
        assertEquals("i-1", first.get("instance"));
    }
}
