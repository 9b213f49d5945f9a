package dev.dmsmlflow.platform.validation;

import dev.dmsmlflow.platform.problem.ProblemException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextTest {

    @Test
    void ordinaryTextOfAnyScriptIsFine() {
        for (String ok : new String[]{null, "", "notebook subnet", "Büro 3 – 東京 😀", "a/b_c-d.e"}) {
            assertNull(Text.invalidReason(ok, false), ok);
        }
        assertNull(Text.invalidReason("two\nlines\tand a tab", true));
    }

    @Test
    void nulControlCharactersAndUnpairedSurrogatesAreRefused() {
        assertTrue(Text.invalidReason("a\u0000b", true).contains("NUL"));
        assertNotNull(Text.invalidReason("bell\u0007", false));
        assertNotNull(Text.invalidReason("line\nbreak", false));
        assertNotNull(Text.invalidReason("del\u007f", false));
        assertNotNull(Text.invalidReason("c1\u0085", true));
        assertTrue(Text.invalidReason("x\ud800", false).contains("surrogate"));
        assertTrue(Text.invalidReason("\udc00x", false).contains("surrogate"));
        assertNotNull(Text.invalidReason("\ud800\ud800\udc00", false));
    }

    @Test
    void aRefusalIsA400NamingTheFieldWithItsCode() {
        ProblemException e = assertThrows(ProblemException.class, () -> Text.require("description", "x\u0000"));
        assertEquals(400, e.problem().status());
        assertEquals("description", e.problem().field());
        assertEquals(Text.CODE, e.problem().code());
    }
}
