package dev.dmsmlflow.gateway.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.dmsmlflow.gateway.application.Blocking;
import dev.dmsmlflow.gateway.application.ConsoleSignIn;
import dev.dmsmlflow.platform.problem.Problem;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import dev.dmsmlflow.gateway.GatewayConfig;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The console's single sign-on ({@link ConsoleSignIn}): {@code GET /api/v1/auth/sso} says whether it is on; {@code .../login}
 * sends the browser to the identity provider; {@code .../callback} takes it back and sends it to the console page
 * {@code /#/signin/sso/<hand-off code>}; {@code POST .../token} trades that code, once, for the access token the console
 * then uses as its bearer credential. No API key is needed here: these routes are how a browser gets a credential.
 */
@Path("/api/v1/auth/sso")
public class ConsoleSignInResource {

    static final String STATE_COOKIE = "dms_sso_state";
    static final String SESSION_COOKIE = "dms_sso_session";
    static final String COOKIE_PATH = "/api/v1/auth/sso";

    /** Whether the console offers single sign-on. */
    public record Settings(@JsonProperty("enabled") boolean enabled, @JsonProperty("loginPath") String loginPath) {
    }

    /** Body of POST /api/v1/auth/sso/token. */
    public record TokenRequest(@JsonProperty("handoff") String handoff) {
    }

    /**
     * The identity provider's access token for the console; {@code renewable} when the gateway keeps a refresh token for
     * this browser ({@code POST /api/v1/auth/sso/refresh} then gives a new one before {@code expiresIn} runs out).
     */
    public record TokenView(@JsonProperty("accessToken") String accessToken, @JsonProperty("expiresIn") long expiresIn,
                            @JsonProperty("renewable") boolean renewable) {
        @Override
        public String toString() {
            return "TokenView[<redacted>, " + expiresIn + " s, renewable " + renewable + "]";
        }
    }

    private final ConsoleSignIn signIn;
    private final Blocking blocking;
    private final Optional<String> publicUrl;
    private final Cookies cookies;

    ConsoleSignInResource(ConsoleSignIn signIn, Blocking blocking, Cookies cookies, GatewayConfig config) {
        this.cookies = cookies;
        this.signIn = signIn;
        this.blocking = blocking;
        this.publicUrl = config.publicUrl().filter(s -> !s.isBlank()).map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    }

    @GET
    @WithoutApiKey
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Settings settings() {
        return new Settings(signIn.enabled(), signIn.enabled() ? COOKIE_PATH + "/login" : null);
    }

    @GET
    @Path("/login")
    @WithoutApiKey
    @Operation(hidden = true)
    public Uni<Response> login(@Context UriInfo uri) {
        URI requestUri = uri.getRequestUri();
        String redirect = base(uri) + COOKIE_PATH + "/callback";
        return blocking.call(() -> {
            try {
                ConsoleSignIn.Start start = signIn.begin(redirect);
                return Response.status(303).location(start.authorizationUrl())
                        .header("Set-Cookie", cookies.set(STATE_COOKIE, start.state(), COOKIE_PATH, ConsoleSignIn.FLOW_LIFETIME.toSeconds(),
                                "Lax", requestUri))
                        .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
            } catch (ConsoleSignIn.Refused e) {
                return toConsole("failed/" + e.code, requestUri);
            }
        });
    }

    @GET
    @Path("/callback")
    @WithoutApiKey
    @Operation(hidden = true)
    public Uni<Response> callback(@QueryParam("code") String code, @QueryParam("state") String state,
                                  @QueryParam("error") String error, @CookieParam(STATE_COOKIE) String browserState,
                                  @Context UriInfo uri) {
        URI requestUri = uri.getRequestUri();
        if (error != null) {
            // the provider's own answer (e.g. access_denied): the flow ends now and the console says so; nothing of the
            // answer is reflected as markup
            String reason = "failed/" + (error.matches("[a-z_]{1,64}") ? error : "provider_error");
            return blocking.call(() -> {
                signIn.abort(state);
                return toConsole(reason, requestUri);
            });
        }
        return blocking.call(() -> {
            try {
                return toConsole(signIn.finish(state, code, browserState), requestUri);
            } catch (ConsoleSignIn.Refused e) {
                return toConsole("failed/" + e.code, requestUri);
            }
        });
    }

    @POST
    @Path("/token")
    @WithoutApiKey
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Uni<Response> token(TokenRequest body, @Context UriInfo uri) {
        if (body == null || body.handoff() == null || body.handoff().isBlank() || body.handoff().length() > 128) {
            return Uni.createFrom().item(Response.status(400).type(Problem.MEDIA_TYPE).header("Cache-Control", "no-store")
                    .entity(Problem.of("invalid-field", "Invalid request field", 400, "'handoff' is required.", "handoff")
                            .withCode("REQUIRED")).build());
        }
        URI requestUri = uri.getRequestUri();
        return blocking.call(() -> {
            try {
                ConsoleSignIn.Token t = signIn.redeem(body.handoff());
                Response.ResponseBuilder ok = Response.ok(new TokenView(t.accessToken(), t.expiresIn(), t.refreshToken() != null))
                        .header("Cache-Control", "no-store");
                if (t.refreshToken() != null) {
                    // the refresh token stays here; the browser gets a cookie only this path receives, unreadable to scripts
                    String session = signIn.startSession(t.refreshToken());
                    ok.header("Set-Cookie", cookies.set(SESSION_COOKIE, session, COOKIE_PATH, signIn.sessionLifetime().toSeconds(),
                            "Strict", requestUri));
                }
                return ok.build();
            } catch (ConsoleSignIn.Refused e) {
                return refused(e, null);
            }
        });
    }

    /**
     * A new access token for the console, from the refresh token the gateway keeps for this browser (its session cookie).
     * Only from this site: the cookie is SameSite=Strict, and a request whose {@code Origin} is another site is refused.
     */
    @POST
    @Path("/refresh")
    @WithoutApiKey
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Uni<Response> refresh(@CookieParam(SESSION_COOKIE) String session, @Context UriInfo uri,
                                 @Context jakarta.ws.rs.container.ContainerRequestContext request) {
        URI requestUri = uri.getRequestUri();
        if (!AccessFilters.sameOrigin(request)) {
            return Uni.createFrom().item(Response.status(403).type(Problem.MEDIA_TYPE).header("Cache-Control", "no-store")
                    .entity(Problem.of("forbidden", "Forbidden", 403, "A sign-in can only be renewed from this site.", "Origin")
                            .withCode("CROSS_SITE_REQUEST")).build());
        }
        return blocking.call(() -> {
            try {
                ConsoleSignIn.Token t = signIn.refresh(session);
                return Response.ok(new TokenView(t.accessToken(), t.expiresIn(), true)).header("Cache-Control", "no-store").build();
            } catch (ConsoleSignIn.Refused e) {
                return refused(e, "SIGN_IN_EXPIRED".equals(e.code) ? cookies.clear(SESSION_COOKIE, COOKIE_PATH, "Strict", requestUri) : null);
            }
        });
    }

    /** Sign-out: the gateway forgets this browser's refresh token and clears its cookie. */
    @POST
    @Path("/logout")
    @WithoutApiKey
    @Operation(hidden = true)
    public Uni<Response> logout(@CookieParam(SESSION_COOKIE) String session, @Context UriInfo uri,
                                @Context jakarta.ws.rs.container.ContainerRequestContext request) {
        URI requestUri = uri.getRequestUri();
        if (!AccessFilters.sameOrigin(request)) {
            return Uni.createFrom().item(Response.status(403).type(Problem.MEDIA_TYPE)
                    .entity(Problem.of("forbidden", "Forbidden", 403, "Sign-out is only accepted from this site.", "Origin")
                            .withCode("CROSS_SITE_REQUEST")).build());
        }
        return blocking.call(() -> {
            signIn.endSession(session);
            return Response.noContent().header("Cache-Control", "no-store")
                    .header("Set-Cookie", cookies.clear(SESSION_COOKIE, COOKIE_PATH, "Strict", requestUri)).build();
        });
    }

    private static Response refused(ConsoleSignIn.Refused e, String setCookie) {
        int status = "SIGN_IN_NOT_CONFIGURED".equals(e.code) ? 404 : "SIGN_IN_UNAVAILABLE".equals(e.code) ? 503 : 401;
        String type = status == 404 ? "not-found" : status == 503 ? "unavailable" : "unauthorized";
        String title = status == 404 ? "Not found" : status == 503 ? "Service unavailable" : "Unauthorized";
        Response.ResponseBuilder b = Response.status(status).type(Problem.MEDIA_TYPE).header("Cache-Control", "no-store")
                .entity(Problem.of(type, title, status, e.getMessage(), null).withCode(e.code));
        if (setCookie != null) {
            b.header("Set-Cookie", setCookie);
        }
        return b.build();
    }

    /** The gateway's own address as the browser uses it ({@code dms.gateway.public-url} when set). */
    private URI base(UriInfo uri) {
        if (publicUrl.isPresent()) {
            return URI.create(publicUrl.get());
        }
        URI u = uri.getBaseUri();
        return URI.create(u.getScheme() + "://" + u.getRawAuthority());
    }

    /** Back to the console page at {@code #/signin/sso/<fragment>}, the state cookie cleared. */
    private Response toConsole(String fragment, URI requestUri) {
        return Response.status(303).location(URI.create("/#/signin/sso/" + URLEncoder.encode(fragment, StandardCharsets.UTF_8)
                        .replace("%2F", "/")))
                .header("Set-Cookie", cookies.clear(STATE_COOKIE, COOKIE_PATH, "Lax", requestUri))
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
    }
}
