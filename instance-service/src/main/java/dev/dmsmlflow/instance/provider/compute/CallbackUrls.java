package dev.dmsmlflow.instance.provider.compute;

import java.net.URI;
import java.util.Optional;

/**
 * The control-plane addresses a tracking server on a cloud compute calls back (its storage credentials at this service,
 * its MLflow token list at network-service), built the same way by the {@code aliyun} and {@code kubernetes} providers.
 */
public final class CallbackUrls {

    /** The tracking server's variable naming where it fetches its OSS credentials. */
    public static final String CREDENTIALS_URL = "DMS_TRACKING_OSS_CREDENTIALS_URL";
    /** The tracking server's variable naming where it fetches its instance's auth mode and token digests. */
    public static final String TOKENS_URL = "DMS_TRACKING_AUTH_TOKENS_URL";

    private CallbackUrls() {
    }

    /**
     * The configured base URL without a trailing slash. Unset or blank: refused, naming the property and what a tracking
     * server could not do without it (a server started anyway would fail later, where nobody reads why).
     */
    public static String base(Optional<String> configured, String property, String withoutIt) throws ComputeException {
        String url = configured.map(String::trim).filter(u -> !u.isEmpty())
                .orElseThrow(() -> new ComputeException(property + " is not set: " + withoutIt));
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** {@code <base>/compute/instances/<id>/storage-credentials} (this service's {@code StorageCredentialsResource}). */
    public static String credentials(String base, String instanceId) {
        return base + "/compute/instances/" + instanceId + "/storage-credentials";
    }

    /**
     * {@code <base>/data-plane/instances/<id>/access-tokens} (network-service). Passed whatever the instance's mode now:
     * the list says the mode, so a switch either way takes effect within seconds, without a restart.
     */
    public static String tokens(String base, String instanceId) {
        return base + "/data-plane/instances/" + instanceId + "/access-tokens";
    }

    /** The TCP port of {@code url}: its own, or the scheme's (80, 443 for https). */
    public static int port(String url) {
        URI u = URI.create(url);
        return u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }
}
