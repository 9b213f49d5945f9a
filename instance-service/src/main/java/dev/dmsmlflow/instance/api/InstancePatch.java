package dev.dmsmlflow.instance.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmsmlflow.instance.domain.InstanceRules;
import dev.dmsmlflow.instance.domain.Spec;
import dev.dmsmlflow.platform.problem.ProblemException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validator;

import java.util.Iterator;
import java.util.Set;

/**
 * Body of PATCH /instances/{id} (JSON merge patch): the fields present are changed, {@code "description": null} clears the
 * description, anything else named is refused with a 400 naming it. Each value passes the same declarations as in a create
 * ({@link CreateInstanceRequest}'s constraints, checked with the validator) and then {@link InstanceRules}.
 */
record InstancePatch(String name, String description, boolean descriptionGiven, String authMode, Spec spec) {

    private static final Set<String> EDITABLE = Set.of("name", "description", "authMode", "spec");

    static InstancePatch parse(JsonNode body, Validator validator) {
        if (body == null || !body.isObject()) {
            throw ProblemException.invalidField("body", "A JSON object with name, description, authMode and/or spec is required.");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (field.equals("ossPath") || field.equals("ossBucket")) {
                throw ProblemException.invalidField(field, field + " cannot be changed: oss://<ossBucket>/<ossPath> is the instance's"
                        + " artifact root, and the tracking database records every experiment's and run's artifact location under it,"
                        + " so a new root would leave the existing artifacts out of reach. Create another instance for another root.");
            }
            if (!EDITABLE.contains(field)) {
                throw ProblemException.invalidField(field, "Only name, description, authMode and spec can be edited.");
            }
        }
        String name = body.has("name") ? declared(validator, "name", text(body, "name", "name must be a string.")) : null;
        boolean descriptionGiven = body.has("description");
        String description = descriptionGiven && !body.get("description").isNull()
                ? InstanceRules.description(declared(validator, "description", text(body, "description", "description must be a string or null.")))
                : null;
        String authMode = body.has("authMode")
                ? InstanceRules.authMode(text(body, "authMode", "authMode must be one of " + InstanceRules.AUTH_MODES + ".")) : null;
        Spec spec = body.has("spec") ? InstanceRules.spec(text(body, "spec", "spec must be one of " + Spec.names() + ".")) : null;
        return new InstancePatch(name, description, descriptionGiven, authMode, spec);
    }

    /** {@code value} when it satisfies the constraints declared on the create request's {@code field}; a 400 naming it otherwise. */
    private static String declared(Validator validator, String field, String value) {
        Set<ConstraintViolation<CreateInstanceRequest>> violations = validator.validateValue(CreateInstanceRequest.class, field, value);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        return value;
    }

    private static String text(JsonNode body, String field, String message) {
        if (!body.get(field).isTextual()) {
            throw ProblemException.invalidField(field, message);
        }
        return body.get(field).asText();
    }
}
