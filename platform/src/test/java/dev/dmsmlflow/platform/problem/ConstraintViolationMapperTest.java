package dev.dmsmlflow.platform.problem;

import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one mapping of Bean Validation failures to problem+json, without a running application. */
class ConstraintViolationMapperTest {

    record Entry(@NotBlank @Pattern(regexp = "[0-9./]+") String cidr) {
    }

    record Body(@NotEmpty(message = "name is required.") @Pattern(regexp = "[a-z]+", message = "name must be lower-case letters.") String name,
                @Size(max = 3) String note,
                List<@Valid Entry> entries) {
    }

    private static ValidatorFactory factory;
    private static Validator validator;

    @BeforeAll
    static void validator() {
        factory = Validation.buildDefaultValidatorFactory();
        validator = factory.getValidator();
    }

    @AfterAll
    static void close() {
        factory.close();
    }

    private static Problem answer(Object body) {
        Response r = new ConstraintViolationMapper().violation(new ConstraintViolationException(validator.validate(body)), null);
        assertEquals(400, r.getStatus());
        assertEquals(Problem.MEDIA_TYPE, r.getMediaType().toString());
        return (Problem) r.getEntity();
    }

    @Test
    void aMissingValueIsReportedBeforeItsShapeWithTheServicesOwnSentence() {
        // "" breaks both @NotEmpty and @Pattern: always the missing value, whatever order the validator found them in
        for (int i = 0; i < 20; i++) {
            Problem p = answer(new Body("", null, null));
            assertEquals("name", p.field());
            assertEquals("NOT_EMPTY", p.code());
            assertEquals("name is required.", p.detail());
            assertEquals("https://dms-mlflow.dev/problems/invalid-field", p.type());
        }
        Problem shape = answer(new Body("Bad1", null, null));
        assertEquals("PATTERN", shape.code());
        assertEquals("name must be lower-case letters.", shape.detail());
    }

    @Test
    void aDefaultMessageIsPrefixedWithTheFieldAndNestedFieldsAreNamedByTheirPath() {
        Problem size = answer(new Body("ok", "four", null));
        assertEquals("note", size.field());
        assertEquals("SIZE", size.code());
        assertEquals("'note' " + validator.validate(new Body("ok", "four", null)).iterator().next().getMessage() + ".", size.detail());

        Problem nested = answer(new Body("ok", null, List.of(new Entry("10.0.0.0/8"), new Entry(" "))));
        assertEquals("entries[1].cidr", nested.field());
        assertEquals("NOT_BLANK", nested.code(), "on one field, the missing value comes first");
    }

    @Test
    void theFirstFieldInPathOrderIsTheOneNamed() {
        Problem p = answer(new Body("", "four", List.of(new Entry("x"))));
        assertEquals("entries[0].cidr", p.field());
    }
}
