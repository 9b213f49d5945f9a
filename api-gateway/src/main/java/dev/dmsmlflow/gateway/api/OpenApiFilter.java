package dev.dmsmlflow.gateway.api;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import java.util.List;
import java.util.Map;

/**
 * Adds to every {@code /api/v1} operation the answers the gateway's door gives whatever the route (so no operation
 * can forget one): 401 with {@code WWW-Authenticate}, 429 with {@code Retry-After}, 400 where there is input, 404 where
 * the path names something, 403 where a role or key scope can refuse, 409 for idempotency keys and services' conflicts,
 * 415 for bodies, 502/503 for forwarded routes; the problem+json schema, and the bearer security scheme.
 */
public class OpenApiFilter implements OASFilter {

    public static final String PROBLEM_REF = "#/components/schemas/Problem";
    static final String SCHEME = "apiKey";
    static final String PROBLEM_JSON = "application/problem+json";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema("Problem", problemSchema());
        openAPI.getComponents().addSecurityScheme(SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("dms_<id>_<secret>")
                .description("An API key: Authorization: Bearer dms_<id>_<secret> (or, when the operator enabled OIDC, an access"
                        + " token of the identity provider)."));
        SecurityRequirement requirement = OASFactory.createSecurityRequirement().addScheme(SCHEME);
        if (openAPI.getPaths() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            if (!path.getKey().startsWith("/api/v1/")) {
                continue;
            }
            for (Map.Entry<PathItem.HttpMethod, Operation> op : path.getValue().getOperations().entrySet()) {
                complete(path.getKey(), op.getKey(), op.getValue());
                op.getValue().setSecurity(List.of(requirement));
            }
        }
    }

    private static void complete(String path, PathItem.HttpMethod method, Operation op) {
        APIResponses responses = op.getResponses();
        boolean hasInput = op.getRequestBody() != null || (op.getParameters() != null && !op.getParameters().isEmpty());
        boolean forwarded = path.contains("/instances") || path.contains("/instance-specs") || path.contains("/notebook-sessions")
                || path.contains("/billing") || path.contains("/network/");
        boolean inWorkspace = path.startsWith("/api/v1/workspaces/{ws}");
        boolean mutating = method != PathItem.HttpMethod.GET;
        if (hasInput) {
            add(responses, "400", "Invalid input: the problem names the field (and a code)");
        }
        add(responses, "401", "No, malformed, unknown, revoked or expired API key").addHeader("WWW-Authenticate",
                OASFactory.createHeader().description("Bearer realm=\"dms\"").schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING)));
        // a sign-in link to an instance's UI is for any member: no role refuses it
        if (inWorkspace && ((mutating && !path.endsWith("/ui-sign-in")) || path.endsWith("/keys") || path.endsWith("/audit")
                || (path.endsWith("/tokens") && mutating))) {
            add(responses, "403", "Your role in the workspace does not allow this");
        }
        if (path.contains("{")) {
            add(responses, "404", "Not found, or not visible to this API key (another workspace's resources are never revealed)");
        }
        if (method == PathItem.HttpMethod.POST || (forwarded && mutating) || path.contains("/members/{memberId}")) {
            add(responses, "409", "Conflict: Idempotency-Key reused or in progress, quota reached, resource state, last owner");
        }
        if (op.getRequestBody() != null) {
            add(responses, "415", "The body is not JSON");
        }
        // answered by the HTTP layer before any route (quarkus.http.limits.max-initial-line-length), without a body
        if (responses.getAPIResponse("414") == null) {
            responses.addAPIResponse("414", OASFactory.createAPIResponse()
                    .description("URI too long: the request line is over the limit (16 KiB)"));
        }
        add(responses, "429", "Too many requests for this API key").addHeader("Retry-After",
                OASFactory.createHeader().description("Seconds to wait").schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)));
        if (forwarded) {
            add(responses, "502", "The service did not accept the gateway's credentials");
            add(responses, "503", "The service behind this route cannot be reached right now");
        }
    }

    private static APIResponse add(APIResponses responses, String code, String description) {
        APIResponse existing = responses.getAPIResponse(code);
        if (existing != null) {
            return existing;
        }
        APIResponse r = OASFactory.createAPIResponse().description(description).content(OASFactory.createContent()
                .addMediaType(PROBLEM_JSON, OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF))));
        responses.addAPIResponse(code, r);
        return r;
    }

    private static Schema problemSchema() {
        Schema string = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details; field names the offending input, code a machine-readable reason.")
                .required(List.of("type", "title", "status"))
                .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uri"))
                .addProperty("title", string)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", string)
                .addProperty("field", string)
                .addProperty("code", string);
    }
}
