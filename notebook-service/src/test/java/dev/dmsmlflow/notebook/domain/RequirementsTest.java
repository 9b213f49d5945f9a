package dev.dmsmlflow.notebook.domain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PyPI packages field read as PEP 508 requirements. */
class RequirementsTest {

    private static List<String> specs(String text) {
        return Requirements.parseList(text).stream().map(Requirements.Requirement::spec).toList();
    }

    @Test
    void theSeedsExampleReadsAsTwoRequirements() {
        assertEquals(List.of("dashscope", "pandas==2.1.0"), specs("dashscope, pandas==2.1.0"));
    }

    @Test
    void namesExtrasSpecifierListsAndMarkersAreKept() {
        assertEquals(List.of("scikit-learn>=1.3,<2", "mlflow[aliyun-oss]~=3.12", "numpy; python_version < \"3.12\""),
                specs("Scikit_Learn>=1.3,<2, mlflow[aliyun_oss] ~= 3.12, numpy ; python_version < \"3.12\""));
        assertEquals(List.of("requests==2.*"), specs("requests (==2.*)"));
        assertEquals(List.of(), specs("  "));
        assertEquals(List.of(), specs(null));
    }

    @Test
    void badEntriesAreRefusedWithAReason() {
        for (String bad : List.of("pandas==", "-pandas", "pandas 2.1", "pandas @ https://example.com/p.whl", "numpy,,pandas",
                "numpy, numpy==1.0", "jupyterlab==3.0", "pandas; os_nam == 'x'", "pandas[", "pandas>=2.*", "a; python_version <")) {
            Requirements.InvalidRequirement e = assertThrows(Requirements.InvalidRequirement.class, () -> Requirements.parseList(bad), bad);
            assertTrue(e.getMessage().length() > 10, bad);
        }
    }

    @Test
    void atMostFiftyPackages() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            b.append(i == 0 ? "" : ",").append("pkg").append(i);
        }
        assertThrows(Requirements.InvalidRequirement.class, () -> Requirements.parseList(b.toString()));
    }
}
