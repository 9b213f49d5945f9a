package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.application.AccessDirectory;
import dev.dmsmlflow.gateway.application.AuditLog;
import dev.dmsmlflow.gateway.application.JupyterLinks;
import dev.dmsmlflow.gateway.domain.JupyterPass;
import java.util.Optional;
import dev.dmsmlflow.gateway.application.Authenticator;
import dev.dmsmlflow.gateway.application.Authorizer;
import dev.dmsmlflow.gateway.application.Blocking;
import dev.dmsmlflow.gateway.application.RateLimiter;
import dev.dmsmlflow.gateway.domain.Caller;
import dev.dmsmlflow.gateway.persistence.AuditEntryEntity;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The door of every {@code /api/v1} route: request id, API key authentication (401), rate limit per key (429), admission
 * to the path's workspace (404/403); and, on the way out, the request id header and one audit entry per mutating call.
 */
public class AccessFilters {

    private static final Logger LOG = Logger.getLogger(AccessFilters.class);
    public static final String REQUEST_ID = "X-Request-Id";
    public static final String CHALLENGE = "Bearer realm=\"dms\"";
    private static final Pattern SANE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:+=/-]{1,128}");
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");

    /** What the annotations of a resource method ask for, read once per method. */
    private record Route(InWorkspace workspace, Audited audited, boolean withoutKey, boolean acceptsPass) {
    }

    private final Map<Method, Route> routes = new ConcurrentHashMap<>();
    private final CallContext call;
    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final Authorizer authorizer;
    private final AuditLog audit;
    private final Blocking blocking;
    private final JupyterLinks jupyter;
    private final AccessDirectory directory;

    AccessFilters(CallContext call, Authenticator authenticator, RateLimiter rateLimiter, Authorizer authorizer, AuditLog audit,
                  Blocking blocking, JupyterLinks jupyter, AccessDirectory directory) {
        this.jupyter = jupyter;
        this.directory = directory;
        this.call = call;
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.authorizer = authorizer;
        this.audit = audit;
        this.blocking = blocking;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Response> admit(ContainerRequestContext request, ResourceInfo resource) {
        if (!request.getUriInfo().getPath().startsWith("/api/")) {
            return Uni.createFrom().nullItem();
        }
        String given = request.getHeaderString(REQUEST_ID);
        call.requestId(given != null && SANE_REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString());
        Route route = route(resource.getResourceMethod());
        if (route.withoutKey()) {
            return Uni.createFrom().nullItem();
        }
        String authorization = request.getHeaderString("Authorization");
        Uni<Authenticator.Outcome> authenticated = authorization == null && route.acceptsPass()
                ? byJupyterPass(request) : authenticator.authenticate(authorization);
        return authenticated.flatMap(outcome -> {
            if (outcome.caller() == null) {
                return Uni.createFrom().item(unauthorized(outcome.refusal(), outcome.code()));
            }
            Caller caller = outcome.caller();
            call.caller(caller);
            long wait = rateLimiter.secondsToWait(caller.rateKey());
            if (wait > 0) {
                call.throttled(true);
                return Uni.createFrom().item(Response.status(429).type(Problem.MEDIA_TYPE).header("Retry-After", wait)
                        .entity(Problem.of("rate-limited", "Too many requests", 429,
                                "This API key sent more requests than its rate limit allows; retry after " + wait + " s.", null)
                                .withCode("RATE_LIMITED"))
                        .build());
            }
            if (route.workspace() == null) {
                return Uni.createFrom().nullItem();
            }
            String ws = request.getUriInfo().getPathParameters().getFirst("ws");
            return authorizer.admit(caller, ws, route.workspace().value())
                    .map(access -> {
                        call.access(access);
                        return (Response) null;
                    })
                    .onFailure(ProblemException.class).recoverWithItem(e -> {
                        Problem p = ((ProblemException) e).problem();
                        if (p.status() == 403) {
                            call.auditWorkspace(ws);
                        }
                        return problem(p);
                    });
        });
    }

    @ServerResponseFilter
    public Uni<Void> finish(ContainerRequestContext request, ContainerResponseContext response, ResourceInfo resource) {
        String requestId = call.requestId();
        if (requestId == null) {
            return Uni.createFrom().voidItem();
        }
        response.getHeaders().putSingle(REQUEST_ID, requestId);
        Caller caller = call.caller();
        Method method = resource == null ? null : resource.getResourceMethod();
        if (caller == null || call.throttled() || method == null || !MUTATING.contains(request.getMethod())) {
            return Uni.createFrom().voidItem();
        }
        AuditEntryEntity entry = entry(request, response.getStatus(), route(method).audited(), caller, requestId);
        return blocking.run(() -> {
            try {
                audit.append(entry);
            } catch (RuntimeException e) {
                LOG.errorf("could not write the audit entry of request %s (%s %s by %s): %s", requestId, entry.method,
                        entry.path, entry.memberId, e.toString());
            }
        });
    }

    private AuditEntryEntity entry(ContainerRequestContext request, int status, Audited audited, Caller caller, String requestId) {
        AuditEntryEntity e = new AuditEntryEntity();
        e.occurredAt = Instant.now();
        e.requestId = requestId;
        e.memberId = caller.memberId();
        e.keyId = caller.keyId();
        e.workspaceId = call.auditWorkspaceId();
        e.method = request.getMethod();
        String path = request.getUriInfo().getRequestUri().getRawPath();
        String query = request.getUriInfo().getRequestUri().getRawQuery();
        e.path = truncate(query == null ? path : path + "?" + query, 2048);
        e.outcome = status;
        if (audited != null) {
            e.action = audited.action();
            e.resourceType = audited.resource();
            e.resourceId = audited.idParam().isEmpty() ? call.auditResourceId()
                    : request.getUriInfo().getPathParameters().getFirst(audited.idParam());
        } else { // every mutating route is annotated (a test checks); this keeps an entry should one slip through
            e.action = request.getMethod().toLowerCase() + " " + request.getUriInfo().getPath();
            e.resourceType = "unknown";
        }
        e.resourceId = truncate(printable(e.resourceId), 200);
        return e;
    }

    private Route route(Method method) {
        if (method == null) {
            return new Route(null, null, false, false);
        }
        return routes.computeIfAbsent(method, m -> new Route(m.getAnnotation(InWorkspace.class), m.getAnnotation(Audited.class),
                m.isAnnotationPresent(WithoutApiKey.class), m.getDeclaringClass().isAnnotationPresent(AcceptsJupyterPass.class)));
    }

    /**
     * A request to a session's JupyterLab without {@code Authorization}: the session's cookie, when it is genuine, current,
     * names this very workspace and session, and its API key is still valid (the role is checked next, as for a key). A
     * changing request whose {@code Origin} is another site is refused too (SameSite=Strict already keeps the cookie
     * from other sites' requests).
     */
    private Uni<Authenticator.Outcome> byJupyterPass(ContainerRequestContext request) {
        jakarta.ws.rs.core.Cookie cookie = request.getCookies().get(JupyterPass.COOKIE);
        if (cookie == null) {
            return Uni.createFrom().item(new Authenticator.Outcome(null, "An API key is required: send 'Authorization: Bearer dms_<id>_<secret>',"
                    + " or open the session's JupyterLab through a sign-in link.", "MISSING_API_KEY"));
        }
        var params = request.getUriInfo().getPathParameters();
        Optional<JupyterPass> pass = jupyter.open(cookie.getValue(), params.getFirst("ws"), params.getFirst("id"));
        if (pass.isEmpty()) {
            return Uni.createFrom().item(new Authenticator.Outcome(null, "The JupyterLab cookie is not valid here or has expired; open"
                    + " JupyterLab again from the console.", "INVALID_JUPYTER_COOKIE"));
        }
        if (MUTATING.contains(request.getMethod()) && !sameOrigin(request)) {
            return Uni.createFrom().item(new Authenticator.Outcome(null, "A cookie-authenticated change must come from this site.",
                    "CROSS_SITE_REQUEST"));
        }
        String keyId = pass.get().keyId();
        if (keyId == null) {
            return Uni.createFrom().item(new Authenticator.Outcome(pass.get().caller(), null, null));
        }
        Optional<AccessDirectory.KeyRecord> cached = directory.cachedKey(keyId);
        Uni<Optional<AccessDirectory.KeyRecord>> key = cached != null ? Uni.createFrom().item(cached) : blocking.call(() -> directory.loadKey(keyId));
        return key.map(k -> {
            if (k.isEmpty() || k.get().revokedAt() != null || !k.get().memberId().equals(pass.get().memberId())
                    || (k.get().expiresAt() != null && !Instant.now().isBefore(k.get().expiresAt()))) {
                return new Authenticator.Outcome(null, "The API key behind this JupyterLab cookie is no longer valid.", "REVOKED_API_KEY");
            }
            return new Authenticator.Outcome(pass.get().caller(), null, null);
        });
    }

    /** No {@code Origin} (not a browser's cross-origin request), or the origin this request was sent to. */
    static boolean sameOrigin(ContainerRequestContext request) {
        String origin = request.getHeaderString("Origin");
        if (origin == null) {
            return true;
        }
        java.net.URI base = request.getUriInfo().getBaseUri();
        String own = base.getScheme() + "://" + base.getRawAuthority();
        return origin.equalsIgnoreCase(own);
    }

    static Response unauthorized(String detail, String code) {
        return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", CHALLENGE)
                .entity(Problem.of("unauthorized", "Unauthorized", 401, detail, "Authorization").withCode(code))
                .build();
    }

    static Response problem(Problem p) {
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(p).build();
    }

    /** Path parameters arrive decoded: keep control characters (NUL above all) out of the database. */
    private static String printable(String s) {
        return s == null ? null : s.replaceAll("\\p{Cntrl}", "?");
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
