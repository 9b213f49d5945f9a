package dev.dmsmlflow.platform.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/** Turns every error a platform REST API can raise into problem+json, so no client ever sees an HTML page or a stack. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    /** A value of the wrong type (more specific than Quarkus' own mapper for it, which answers plain JSON). */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e) {
        return badJson(e);
    }

    /** Malformed JSON or a value of the wrong type: 400 naming the field when Jackson knows it. */
    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        String field = null;
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
        }
        String detail = field == null ? "The request body is not valid JSON." : "The value of '" + field + "' has the wrong type or format.";
        return respond(Problem.of("invalid-body", "Malformed request body", 400, detail, field));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", e);
            return respond(Problem.of("internal", "Internal error", status, "The request could not be completed.", null));
        }
        String title = Response.Status.fromStatusCode(status) == null ? "Request error" : Response.Status.fromStatusCode(status).getReasonPhrase();
        return respond(Problem.of("http-" + status, title, status, e.getMessage(), null));
    }

    /** Anything unexpected: logged with its stack here, reported to the client without internals. */
    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        if (e instanceof io.smallrye.mutiny.CompositeException composite) {
            // a reactive pipeline that failed twice: the problem it meant to answer with is among the causes
            for (Throwable cause : composite.getCauses()) {
                if (cause instanceof ProblemException pe) {
                    return problem(pe);
                }
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            // safety net behind the services' own validation: data PostgreSQL refused (SQLSTATE class 22: NUL or invalid
            // text, a number out of range, a value too long) is the client's error; never echo the statement or the message
            if (t instanceof java.sql.SQLException se && se.getSQLState() != null && se.getSQLState().startsWith("22")) {
                LOG.warnf("a request carried data the database refused (SQLSTATE %s)", se.getSQLState());
                return respond(Problem.of("invalid-field", "Invalid request field", 400,
                        "A value in the request is not acceptable (invalid text, out of range or too long).", null)
                        .withCode("INVALID_VALUE"));
            }
        }
        LOG.error("unexpected error", e);
        return respond(Problem.of("internal", "Internal error", 500, "The request could not be completed.", null));
    }

    static Response respond(Problem p) {
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p).build();
    }
}
