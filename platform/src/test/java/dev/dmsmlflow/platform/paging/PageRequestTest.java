package dev.dmsmlflow.platform.paging;

import dev.dmsmlflow.platform.problem.ProblemException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PageRequestTest {

    private static String fieldOf(Runnable r) {
        ProblemException e = assertThrows(ProblemException.class, r::run);
        assertEquals(400, e.problem().status());
        return e.problem().field();
    }

    @Test
    void absentParametersGiveTheDefaultSizeFromTheStart() {
        PageRequest r = PageRequest.parse(null, null, 20, 100, "i");
        assertEquals(20, r.size());
        assertNull(r.after());
        assertEquals(21, r.fetchLimit());
    }

    @Test
    void badPageSizesAre400NamingPageSize() {
        for (String bad : List.of("abc", "0", "-1", "101", "2147483648", "1.5", "9999999999999999999")) {
            assertEquals("pageSize", fieldOf(() -> PageRequest.parse(bad, null, 20, 100, "i")), bad);
        }
        assertEquals(100, PageRequest.parse("100", null, 20, 100, "i").size());
    }

    @Test
    void aTokenIsReadOnlyByTheListThatIssuedIt() {
        String token = PageRequest.token("i", "abc-123");
        assertEquals("abc-123", PageRequest.parse(null, token, 20, 100, "i").after());
        assertEquals("pageToken", fieldOf(() -> PageRequest.parse(null, token, 20, 100, "n")));
        assertEquals("pageToken", fieldOf(() -> PageRequest.parse(null, "%%%", 20, 100, "i")));
        assertEquals("pageToken", fieldOf(() -> PageRequest.parse(null, PageRequest.token("i", ""), 20, 100, "i")));
    }

    @Test
    void theExtraRowMeansAnotherPageStartingAfterTheLastItemShown() {
        PageRequest r = PageRequest.parse("2", null, 20, 100, "i");
        Page<String> full = r.page(List.of("a", "b", "c"), "i", Function.identity(), String::toUpperCase);
        assertEquals(List.of("A", "B"), full.items());
        assertEquals("b", PageRequest.parse(null, full.nextPageToken(), 20, 100, "i").after());
        Page<String> last = r.page(List.of("c"), "i", Function.identity(), String::toUpperCase);
        assertEquals(List.of("C"), last.items());
        assertNull(last.nextPageToken());
    }
}
