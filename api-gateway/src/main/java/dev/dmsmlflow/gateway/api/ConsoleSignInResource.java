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
import org.eclipse.microprofile.config.inject.ConfigProperty;
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
    static final String COOKIE_PATH = "/api/v1/auth/sso";

    /** Whether the console offers single sign-on. */
    public record Settings(@JsonProperty("enabled") boolean enabled, @JsonProperty("loginPath") String loginPath) {
    }

    /** Body of POST /api/v1/auth/sso/token. */
    public record TokenRequest(@JsonProperty("handoff") String handoff) {
    }

    /** The identity provider's access token for the console. */
    public record TokenView(@JsonProperty("accessToken") String accessToken, @JsonProperty("expiresIn") long expiresIn) {
    }

    private final ConsoleSignIn signIn;
    private final Blocking blocking;
    private final Optional<String> publicUrl;

    ConsoleSignInResource(ConsoleSignIn signIn, Blocking blocking,
                          @ConfigProperty(name = "dms.gateway.public-url") Optional<String> publicUrl) {
        this.signIn = signIn;
        this.blocking = blocking;
        this.publicUrl = publicUrl.filter(s -> !s.isBlank()).map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
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
        boolean https = "https".equalsIgnoreCase(base(uri).getScheme());
        String redirect = base(uri) + COOKIE_PATH + "/callback";
        return blocking.call(() -> {
            try {
                ConsoleSignIn.Start start = signIn.begin(redirect);
                return Response.status(303).location(start.authorizationUrl())
                        .header("Set-Cookie", STATE_COOKIE + "=" + start.state() + "; Path=" + COOKIE_PATH + "; Max-Age="
                                + ConsoleSignIn.FLOW_LIFETIME.toSeconds() + "; HttpOnly; SameSite=Lax" + (https ? "; Secure" : ""))
                        .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
            } catch (ConsoleSignIn.Refused e) {
                return toConsole("failed/" + e.code);
            }
        });
    }

    @GET
    @Path("/callback")
    @WithoutApiKey
    @Operation(hidden = true)
    public Uni<Response> callback(@QueryParam("code") String code, @QueryParam("state") String state,
                                  @QueryParam("error") String error, @CookieParam(STATE_COOKIE) String browserState) {
        if (error != null) {
            // the provider's own answer (e.g. access_denied): the console says so; nothing of it is reflected as markup
            return Uni.createFrom().item(toConsole("failed/" + (error.matches("[a-z_]{1,64}") ? error : "provider_error")));
        }
        return blocking.call(() -> {
            try {
                return toConsole(signIn.finish(state, code, browserState));
            } catch (ConsoleSignIn.Refused e) {
                return toConsole("failed/" + e.code);
            }
        });
    }

    @POST
    @Path("/token")
    @WithoutApiKey
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Response token(TokenRequest body) {
        if (body == null || body.handoff() == null || body.handoff().isBlank() || body.handoff().length() > 128) {
            return Response.status(400).type(Problem.MEDIA_TYPE).header("Cache-Control", "no-store")
                    .entity(Problem.of("invalid-field", "Invalid request field", 400, "'handoff' is required.", "handoff")
                            .withCode("REQUIRED")).build();
        }
        try {
            ConsoleSignIn.Token t = signIn.redeem(body.handoff());
            return Response.ok(new TokenView(t.accessToken(), t.expiresIn())).header("Cache-Control", "no-store").build();
        } catch (ConsoleSignIn.Refused e) {
            int status = "SIGN_IN_NOT_CONFIGURED".equals(e.code) ? 404 : 401;
            return Response.status(status).type(Problem.MEDIA_TYPE).header("Cache-Control", "no-store")
                    .entity(Problem.of(status == 404 ? "not-found" : "unauthorized", status == 404 ? "Not found" : "Unauthorized",
                            status, e.getMessage(), null).withCode(e.code)).build();
        }
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
    private static Response toConsole(String fragment) {
        return Response.status(303).location(URI.create("/#/signin/sso/" + URLEncoder.encode(fragment, StandardCharsets.UTF_8)
                        .replace("%2F", "/")))
                .header("Set-Cookie", STATE_COOKIE + "=; Path=" + COOKIE_PATH + "; Max-Age=0; HttpOnly; SameSite=Lax")
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build();
    }
}
