package dev.dmsmlflow.platform.validation;

import dev.dmsmlflow.platform.problem.Problem;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Map;

/**
 * Every path and query parameter of every platform REST API is checked as {@link Text} before a resource sees it: a NUL
 * or control character in an id, a cursor or a filter is a 400 naming the parameter (code {@value Text#CODE}), never a
 * database error.
 */
public class TextParamsFilter {

    @ServerRequestFilter(priority = Priorities.USER + 100)
    public Response check(UriInfo uri) {
        Response r = check(uri.getPathParameters());
        return r != null ? r : check(uri.getQueryParameters());
    }

    private static Response check(MultivaluedMap<String, String> params) {
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            String nameReason = Text.invalidReason(e.getKey(), false);
            if (nameReason != null) {
                return refuse("?", "a parameter name " + nameReason);
            }
            for (String v : e.getValue()) {
                String reason = Text.invalidReason(v, false);
                if (reason != null) {
                    return refuse(e.getKey(), reason);
                }
            }
        }
        return null;
    }

    private static Response refuse(String field, String reason) {
        Problem p = Problem.of("invalid-field", "Invalid request field", 400, reason, field).withCode(Text.CODE);
        return Response.status(400).type(Problem.MEDIA_TYPE).entity(p).build();
    }
}
