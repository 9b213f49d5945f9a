package dev.dmsmlflow.platform.problem;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.MatrixParam;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Comparator;
import java.util.Locale;
import java.util.Set;

/**
 * Bean Validation failures on a REST request (constraints on request records and parameters) as problem+json: 400 naming
 * the offending field as the client spells it (a body property path such as {@code entries[0].cidr}, or the query, path
 * or header parameter's name) and a {@code code} derived from the constraint ({@code NOT_BLANK}, {@code SIZE}, {@code PATTERN}, ...).
 * A violated constraint on a return value is our bug, not the caller's: 500.
 * <p>
 * One violation is reported: the first field in path order and, on that field, a missing value before a malformed one
 * ({@code @NotNull}, {@code @NotEmpty}, {@code @NotBlank} first), so the answer does not depend on the validator's order.
 * The detail is the constraint's message after the field's name ({@code 'name' must not be blank.}); a message written as a
 * whole sentence (ending with a period, e.g. {@code message = "name is required."}) is the detail as it stands, which lets a
 * service keep the wording its clients already see when a rule moves from code to an annotation.
 */
public class ConstraintViolationMapper {

    private static final Logger LOG = Logger.getLogger(ConstraintViolationMapper.class);
    private static final Set<String> PRESENCE = Set.of("NOT_NULL", "NOT_EMPTY", "NOT_BLANK");
    /** Path order, then a missing value before a malformed one, then the code: the same violation for the same request. */
    static final Comparator<ConstraintViolation<?>> ORDER = Comparator
            .comparing((ConstraintViolation<?> v) -> v.getPropertyPath().toString())
            .thenComparing(v -> PRESENCE.contains(code(v)) ? 0 : 1)
            .thenComparing(ConstraintViolationMapper::code);

    @ServerExceptionMapper
    public Response violation(ConstraintViolationException e, ResourceInfo resource) {
        ConstraintViolation<?> first = e.getConstraintViolations().stream().min(ORDER).orElse(null);
        if (first == null) {
            return ProblemMappers.respond(Problem.of("invalid-field", "Invalid request field", 400, e.getMessage(), null));
        }
        if (isReturnValue(first.getPropertyPath())) {
            LOG.error("response violates its own constraints: " + e.getMessage());
            return ProblemMappers.respond(Problem.of("internal", "Internal error", 500, "The request could not be completed.", null));
        }
        Method method = resource == null ? null : resource.getResourceMethod();
        String field = fieldOf(first.getPropertyPath(), method);
        String detail = detail(field, first.getMessage());
        return ProblemMappers.respond(Problem.of("invalid-field", "Invalid request field", 400, detail, field)
                .withCode(code(first)));
    }

    /** {@code 'field' message.}, or the message itself when it is a whole sentence (ends with a period). */
    static String detail(String field, String message) {
        if (message != null && message.endsWith(".")) {
            return message;
        }
        return "'" + field + "' " + message + ".";
    }

    /** The field as the client names it: parameter names from their JAX-RS annotation, body properties as a dotted path. */
    static String fieldOf(Path path, Method method) {
        StringBuilder field = new StringBuilder();
        for (Path.Node node : path) {
            ElementKind kind = node.getKind();
            if (kind == ElementKind.METHOD || kind == ElementKind.CONSTRUCTOR || kind == ElementKind.CROSS_PARAMETER) {
                continue;
            }
            if (kind == ElementKind.PARAMETER) {
                String name = parameterName(method, node.as(Path.ParameterNode.class).getParameterIndex());
                if (name != null) {
                    field.append(name);
                }
                continue;
            }
            if (node.getIndex() != null) {
                field.append('[').append(node.getIndex()).append(']');
            } else if (node.getKey() != null) {
                field.append('[').append(node.getKey()).append(']');
            }
            if (node.getName() != null && kind != ElementKind.CONTAINER_ELEMENT) {
                if (!field.isEmpty()) {
                    field.append('.');
                }
                field.append(node.getName());
            }
        }
        return field.isEmpty() ? "body" : field.toString();
    }

    /** The request name of a resource method parameter, or null for the body (its properties name the field). */
    private static String parameterName(Method method, int index) {
        if (method == null || index < 0 || index >= method.getParameterCount()) {
            return null;
        }
        for (Annotation a : method.getParameterAnnotations()[index]) {
            if (a instanceof QueryParam q) {
                return q.value();
            } else if (a instanceof PathParam p) {
                return p.value();
            } else if (a instanceof HeaderParam h) {
                return h.value();
            } else if (a instanceof CookieParam c) {
                return c.value();
            } else if (a instanceof FormParam f) {
                return f.value();
            } else if (a instanceof MatrixParam m) {
                return m.value();
            } else if (a.annotationType().getName().startsWith("org.jboss.resteasy.reactive.RestQuery")) {
                return method.getParameters()[index].getName();
            }
        }
        return null;
    }

    private static boolean isReturnValue(Path path) {
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.RETURN_VALUE) {
                return true;
            }
        }
        return false;
    }

    /** {@code @NotBlank} → {@code NOT_BLANK}, {@code @Size} → {@code SIZE}. */
    static String code(ConstraintViolation<?> v) {
        String name = v.getConstraintDescriptor().getAnnotation().annotationType().getSimpleName();
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }
}
