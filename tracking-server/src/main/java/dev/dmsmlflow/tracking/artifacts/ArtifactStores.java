package dev.dmsmlflow.tracking.artifacts;

import com.aliyun.oss.OSS;
import com.aliyun.oss.common.auth.CredentialsProvider;
import com.aliyun.oss.common.auth.EnvironmentVariableCredentialsProvider;
import dev.dmsmlflow.tracking.config.TrackingConfig;
import dev.dmsmlflow.tracking.http.MlflowException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * The configured artifact root ({@code dms.tracking.artifact-root}: a directory, {@code file:///dir} or
 * {@code oss://bucket/prefix} with {@code dms.tracking.oss.endpoint} and {@code dms.tracking.oss.region})
 * and the resolution of stored artifact URIs ({@code mlflow-artifacts:/...}, {@code oss://...}) to a
 * store and a path in it.
 */
@Startup
@ApplicationScoped
public class ArtifactStores {
    private static final Logger LOG = Logger.getLogger(ArtifactStores.class);
    public static final String PROXY_SCHEME = "mlflow-artifacts";
    static final String HTTP_ANCHOR = "/api/2.0/mlflow-artifacts/artifacts";

    @Inject
    TrackingConfig config;
    private Optional<String> ossEndpoint;
    private Optional<String> ossRegion;

    private ArtifactStore root;
    private OSS ossClient;
    private CredentialsProvider credentials;

    /** A store and a (validated, normalised) path inside it. */
    public record Location(ArtifactStore store, String path) {
        public Location child(String rel) {
            return new Location(store, ArtifactPaths.join(path, rel));
        }
    }

    @PostConstruct
    void init() {
        ossEndpoint = config.oss().endpoint().filter(v -> !v.isBlank());
        ossRegion = config.oss().region().filter(v -> !v.isBlank());
        String uri = config.artifactRoot().trim();
        if (uri.startsWith("oss://")) {
            OssUri o = OssUri.parse(uri);
            ossClient = OssArtifactStore.newClient(ossEndpoint.orElse(null), ossRegion.orElse(null), credentials());
            root = new OssArtifactStore(ossClient, o.bucket(), o.prefix());
        } else if (uri.startsWith("file:")) {
            root = new FileSystemArtifactStore(Path.of(URI.create(uri)));
        } else if (uri.matches("^[a-zA-Z][a-zA-Z0-9+.-]+://.*")) {
            throw new IllegalArgumentException("Unsupported dms.tracking.artifact-root '" + uri
                    + "': use a directory, file:///dir or oss://bucket/prefix");
        } else {
            root = new FileSystemArtifactStore(Path.of(uri));
        }
        LOG.infof("Proxied artifacts (mlflow-artifacts:/) are stored in %s", root.describe());
    }

    void shutdown(@Observes ShutdownEvent ev) {
        if (ossClient != null) {
            ossClient.shutdown();
        }
    }

    /** The store behind the artifact proxy. */
    public ArtifactStore root() {
        return root;
    }

    /**
     * Where the artifacts under {@code artifactUri} (a run's {@code artifact_uri}, a logged model's
     * location, a model version's source) live. Proxied URIs map into the root; {@code oss://} URIs are
     * served when an OSS endpoint is configured; anything else is refused with 400 (the server never
     * reads arbitrary local paths on behalf of clients).
     */
    public Location resolve(String artifactUri) {
        if (artifactUri == null || artifactUri.isEmpty()) {
            throw MlflowException.invalidParameter("The entity has no artifact location");
        }
        requireInsideRoot(artifactUri, "artifact location");
        Optional<String> proxied = proxiedPath(artifactUri);
        if (proxied.isPresent()) {
            return new Location(root, ArtifactPaths.safe(proxied.get()));
        }
        if (artifactUri.startsWith("oss://") && ossEndpoint.isPresent() && ossRegion.isPresent()) {
            OssUri o = OssUri.parse(artifactUri);
            OssArtifactStore base = root instanceof OssArtifactStore os ? os
                    : new OssArtifactStore(ossClient(), o.bucket(), "");
            OssArtifactStore store = base.bucket().equals(o.bucket()) ? base.withPrefix(o.prefix())
                    : new OssArtifactStore(ossClient(), o.bucket(), o.prefix());
            return new Location(store, "");
        }
        throw MlflowException.invalidParameter("Artifacts at '" + artifactUri + "' are not served by this tracking server; "
                + "only proxied (mlflow-artifacts:/) locations" + (ossEndpoint.isPresent() ? " and oss:// locations" : "")
                + " can be read through it.");
    }

    /** Whether locations outside the root are refused ({@code dms.tracking.confine-artifact-locations}). */
    public boolean confined() {
        return config.confineArtifactLocations();
    }

    /**
     * With confinement on, refuses (400 INVALID_PARAMETER_VALUE) a location that is not inside this server's artifact
     * root; {@code what} names the parameter. A no-op for a standalone server.
     */
    public void requireInsideRoot(String uri, String what) {
        if (!confined()) {
            return;
        }
        String reason = outsideRoot(uri, config.artifactRoot().trim());
        if (reason != null) {
            throw MlflowException.invalidParameter("Invalid " + what + " '" + uri + "': " + reason);
        }
    }

    /**
     * Why {@code uri} is not inside the artifact root {@code rootUri}, or null when it is: proxied
     * ({@code mlflow-artifacts:}) paths are inside when they stay inside (no {@code ..}, also percent-encoded);
     * {@code oss://} URIs when the root is in OSS, in the same bucket, at or under its prefix; anything else
     * ({@code file:}, local paths, other schemes, other buckets) is outside.
     */
    static String outsideRoot(String uri, String rootUri) {
        if (uri == null || uri.isEmpty()) {
            return null;
        }
        Optional<String> proxied = proxiedPath(uri);
        if (proxied.isPresent()) {
            try {
                ArtifactPaths.safe(proxied.get());
                return null;
            } catch (MlflowException e) {
                return "the path leaves this instance's artifact root";
            }
        }
        String allowed = "only locations inside this instance's artifact root are allowed: mlflow-artifacts:/<path>"
                + (rootUri.startsWith("oss://") ? " or " + rootUri + "/<path>" : "");
        if (uri.startsWith("oss://") && rootUri.startsWith("oss://")) {
            OssUri root = OssUri.parse(rootUri);
            String rest = uri.substring("oss://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            if (!bucket.equals(root.bucket())) {
                return allowed;
            }
            String prefix;
            try {
                prefix = ArtifactPaths.safe(slash < 0 ? "" : rest.substring(slash + 1));
            } catch (MlflowException e) {
                return "the path leaves this instance's artifact root";
            }
            if (root.prefix().isEmpty() || prefix.equals(root.prefix()) || prefix.startsWith(root.prefix() + "/")) {
                return null;
            }
            return allowed;
        }
        return allowed;
    }

    private synchronized OSS ossClient() {
        if (ossClient == null) {
            ossClient = OssArtifactStore.newClient(ossEndpoint.orElse(null), ossRegion.orElse(null), credentials());
        }
        return ossClient;
    }

    /**
     * OSS credentials: fetched from {@code dms.tracking.oss.credentials-url} (temporary, scoped to this instance's root,
     * renewed before they expire) when it is set, else {@code OSS_ACCESS_KEY_ID}/{@code OSS_ACCESS_KEY_SECRET} (and
     * {@code OSS_SESSION_TOKEN} when set) from the environment.
     */
    private synchronized CredentialsProvider credentials() {
        if (credentials == null) {
            Optional<String> url = config.oss().credentialsUrl().filter(v -> !v.isBlank());
            credentials = url.isPresent()
                    ? new EndpointCredentialsProvider(URI.create(url.get()), config.oss().credentialsSecret().orElse(null),
                            config.oss().credentialsRefreshMargin(), Clock.systemUTC())
                    : new EnvironmentVariableCredentialsProvider();
        }
        return credentials;
    }

    /** The path inside the proxy root for {@code mlflow-artifacts:[//host]/path} or {@code http(s)://host/api/2.0/mlflow-artifacts/artifacts/path}. */
    static Optional<String> proxiedPath(String uri) {
        int colon = uri.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String scheme = uri.substring(0, colon).toLowerCase();
        String rest = uri.substring(colon + 1);
        if (scheme.equals(PROXY_SCHEME)) {
            if (rest.startsWith("//")) {
                int slash = rest.indexOf('/', 2);
                rest = slash < 0 ? "" : rest.substring(slash);
            }
            return Optional.of(stripQuery(rest));
        }
        if (scheme.equals("http") || scheme.equals("https")) {
            int i = rest.indexOf(HTTP_ANCHOR);
            if (i >= 0) {
                return Optional.of(stripQuery(rest.substring(i + HTTP_ANCHOR.length())));
            }
        }
        return Optional.empty();
    }

    private static String stripQuery(String s) {
        int q = s.indexOf('?');
        s = q < 0 ? s : s.substring(0, q);
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        return s;
    }

    /** {@code oss://bucket/prefix}. */
    record OssUri(String bucket, String prefix) {
        static OssUri parse(String uri) {
            String rest = uri.substring("oss://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1);
            if (!bucket.matches("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")) {
                throw MlflowException.invalidParameter("Invalid OSS bucket name in '" + uri + "'");
            }
            return new OssUri(bucket, prefix.isEmpty() ? "" : ArtifactPaths.safe(prefix));
        }
    }
}
