package dev.dmsmlflow.notebook.domain;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The environment variables field: KEY=VALUE by lines or semicolons; values never in messages. */
class EnvironmentVariablesTest {

    @Test
    void linesAndSemicolonsSeparateEntries() {
        EnvironmentVariables v = EnvironmentVariables.parse("DASHSCOPE_API_KEY=sk-xxx\nA=1;B = two words\r\n\n;");
        assertEquals(Map.of("DASHSCOPE_API_KEY", "sk-xxx", "A", "1", "B", "two words"), v.values());
        assertEquals(List.of("DASHSCOPE_API_KEY", "A", "B"), v.names());
        assertEquals("EnvironmentVariables[DASHSCOPE_API_KEY, A, B]", v.toString());
        assertEquals("x=y", EnvironmentVariables.parse("Q=x=y").values().get("Q"));
    }

    @Test
    void invalidKeysDuplicatesAndReservedNamesAreRefusedWithoutShowingValues() {
        for (String bad : List.of("1A=sk-secret-value", "A-B=sk-secret-value", "sk-secret-value", "A=1;A=sk-secret-value",
                "MLFLOW_TRACKING_URI=sk-secret-value", "PATH=sk-secret-value", "DMS_X=sk-secret-value", "jupyter_token=sk-secret-value",
                "LD_PRELOAD=sk-secret-value")) {
            EnvironmentVariables.InvalidVariables e = assertThrows(EnvironmentVariables.InvalidVariables.class,
                    () -> EnvironmentVariables.parse(bad), bad);
            assertFalse(e.getMessage().contains("sk-secret-value"), e.getMessage());
        }
    }

    @Test
    void valuesAreShownMasked() {
        assertEquals("sk-********", EnvironmentVariables.masked("sk-0123456789abcdef"));
        assertEquals("********", EnvironmentVariables.masked("short"));
    }
}
