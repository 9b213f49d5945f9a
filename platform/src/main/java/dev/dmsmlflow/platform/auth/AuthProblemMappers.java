package dev.dmsmlflow.platform.auth;

import dev.dmsmlflow.platform.problem.Problem;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Authentication and authorization failures as problem+json (docs/identity.md): 401 with
 * {@code WWW-Authenticate: Bearer realm="dms"} for a missing, malformed, expired, foreign-issued or foreign-audience
 * token, 403 for a role that does not allow the action. Effective where authentication runs inside the REST layer
 * ({@code quarkus.http.auth.proactive=false}), as in every service that requires the gateway's token.
 */
public class AuthProblemMappers {

    /** The challenge every 401 carries. */
    public static final String CHALLENGE = "Bearer realm=\"dms\"";
    private static final Logger LOG = Logger.getLogger(AuthProblemMappers.class);

    /** A token was sent but is not valid (signature, issuer, audience, expiry, claims). */
    @ServerExceptionMapper(priority = Priorities.AUTHENTICATION)
    public Response authenticationFailed(AuthenticationFailedException e) {
        // why exactly stays in the log (debug): the caller learns only that the token is not acceptable
        LOG.debugf("service token refused: %s", e.getMessage());
        return unauthorized("The bearer token is not valid here: a service token issued by the gateway for this service is required.");
    }

    /** No token at all on a path that needs one. */
    @ServerExceptionMapper(priority = Priorities.AUTHENTICATION)
    public Response unauthorized(UnauthorizedException e) {
        return unauthorized("Authentication is required: send the gateway's service token as 'Authorization: Bearer <token>'.");
    }

    @ServerExceptionMapper(priority = Priorities.AUTHENTICATION)
    public Response forbidden(ForbiddenException e) {
        Problem p = Problem.of("forbidden", "Forbidden", 403, "The caller's role does not allow this action.", null);
        return Response.status(403).type(Problem.MEDIA_TYPE).entity(p).build();
    }

    private static Response unauthorized(String detail) {
        Problem p = Problem.of("unauthorized", "Unauthorized", 401, detail, null);
        return Response.status(401).header(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE).type(Problem.MEDIA_TYPE).entity(p).build();
    }
}
