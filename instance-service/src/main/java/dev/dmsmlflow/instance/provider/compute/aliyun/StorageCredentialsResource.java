package dev.dmsmlflow.instance.provider.compute.aliyun;

import dev.dmsmlflow.instance.provider.compute.ComputeConfig;
import dev.dmsmlflow.instance.provider.compute.ComputeException;
import dev.dmsmlflow.instance.provider.compute.StorageCredentials;
import dev.dmsmlflow.platform.problem.Problem;
import jakarta.annotation.security.PermitAll;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The credentials endpoint of the tracking servers on Alibaba Cloud (like the container-credentials endpoint of ECS and
 * ECI): a tracking server presents the secret its container group was created with and gets STS credentials that reach
 * only its instance's artifact root, for as long as STS says. Not the gateway's service token: the caller is a tracking
 * server, which holds no token; the secret names exactly one container group of exactly this instance, and anything else
 * is a 401. Not forwarded by the gateway. Answers 404 unless the compute provider is {@code aliyun} or {@code kubernetes} (whose
 * pods present their Secret's storage secret the same way).
 */
@Path("/compute/instances/{id}/storage-credentials")
public class StorageCredentialsResource {

    private static final Logger LOG = Logger.getLogger(StorageCredentialsResource.class);
    /** The header carrying the container group's secret. */
    public static final String SECRET_HEADER = "X-Dms-Storage-Secret";

    private final String provider;
    private final StorageSecrets secrets;
    private final Instance<StorageCredentials> credentials;

    StorageCredentialsResource(ComputeConfig config, StorageSecrets secrets, Instance<StorageCredentials> credentials) {
        this.provider = config.provider();
        this.secrets = secrets;
        this.credentials = credentials;
    }

    @GET
    @PermitAll
    @Operation(summary = "Scoped OSS credentials for the calling tracking server (its container group's secret in X-Dms-Storage-Secret)")
    public Response get(@PathParam("id") String instanceId, @HeaderParam(SECRET_HEADER) String secret) throws SQLException {
        if (!"aliyun".equals(provider) && !"kubernetes".equals(provider)) {
            return problem(404, "not-found", "Resource not found",
                    "Only the aliyun and kubernetes compute providers hand out storage credentials.", null);
        }
        Optional<StorageSecrets.Root> root = secrets.verify(instanceId, secret);
        if (root.isEmpty()) {
            // the same answer for no secret, a wrong one, another instance's one and an unknown instance
            return problem(401, "unauthorized", "Unauthorized", "A tracking server of this instance must present its secret.", SECRET_HEADER);
        }
        StorageCredentials.Scoped c;
        try {
            c = credentials.get().issue(instanceId, root.get().bucket(), root.get().path());
        } catch (ComputeException e) {
            LOG.errorf("no storage credentials for %s: %s", instanceId, e.getMessage());
            return problem(503, "unavailable", "Service unavailable", "STS did not issue credentials; try again shortly.", null);
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("Code", "Success");
        body.put("AccessKeyId", c.accessKeyId());
        body.put("AccessKeySecret", c.accessKeySecret());
        body.put("SecurityToken", c.securityToken());
        body.put("Expiration", c.expiresAt().toString());
        return Response.ok(body).type("application/json").header("Cache-Control", "no-store").build();
    }

    private static Response problem(int status, String slug, String title, String detail, String field) {
        Response.ResponseBuilder r = Response.status(status).type(Problem.MEDIA_TYPE).entity(Problem.of(slug, title, status, detail, field));
        if (status == 401) {
            r.header("WWW-Authenticate", SECRET_HEADER);
        }
        return r.build();
    }
}
