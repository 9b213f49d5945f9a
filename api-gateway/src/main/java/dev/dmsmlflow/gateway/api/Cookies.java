package dev.dmsmlflow.gateway.api;

import jakarta.enterprise.context.ApplicationScoped;
import dev.dmsmlflow.gateway.GatewayConfig;

import java.net.URI;

/**
 * Every {@code Set-Cookie} the gateway writes is made here, so that none can miss {@code Secure}: it is added when
 * browsers reach the gateway over https ({@code dms.gateway.public-url} starts with {@code https://}, or the request itself
 * came over https), and left out on a plain-http stack (a local {@code ./dms up}), where a browser would drop a Secure
 * cookie and sign-in could not work.
 */
@ApplicationScoped
public class Cookies {

    private final boolean httpsPublicUrl;

    Cookies(GatewayConfig config) {
        this.httpsPublicUrl = config.publicUrl().map(String::trim).map(s -> s.regionMatches(true, 0, "https://", 0, 8)).orElse(false);
    }

    /** Whether a cookie set in answer to {@code requestUri} gets {@code Secure}. */
    public boolean secure(URI requestUri) {
        return httpsPublicUrl || (requestUri != null && "https".equalsIgnoreCase(requestUri.getScheme()));
    }

    /** A {@code Set-Cookie} value: HttpOnly always, the given SameSite, {@code Secure} as {@link #secure} says. */
    public String set(String name, String value, String path, long maxAgeSeconds, String sameSite, URI requestUri) {
        return name + "=" + value + "; Path=" + path + "; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=" + sameSite
                + (secure(requestUri) ? "; Secure" : "");
    }

    /** A {@code Set-Cookie} value that removes the cookie (same attributes, so browsers match and accept it). */
    public String clear(String name, String path, String sameSite, URI requestUri) {
        return set(name, "", path, 0, sameSite, requestUri);
    }
}
