package dev.dmsmlflow.instance.provider.compute.aliyun;

import dev.dmsmlflow.instance.provider.compute.ComputeConfig;
import dev.dmsmlflow.platform.problem.Problem;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.sql.SQLException;

/**
 * Whether a secret is the one a tracking server of this instance was created with: 204, or the same 401 for no secret, a
 * wrong one and another instance's one. network-service asks it before it hands an instance's token digests to the
 * tracking server presenting the secret (its {@code /data-plane/instances/<id>/access-tokens}), since only this service
 * keeps the secrets' digests. Answers nothing else (no root, no credentials); 404 unless the compute provider is
 * {@code aliyun} or {@code kubernetes}, like {@link StorageCredentialsResource}. Not forwarded by the gateway.
 */
@Path("/compute/instances/{id}/storage-secret")
public class StorageSecretCheckResource {

    private final String provider;
    private final StorageSecrets secrets;

    StorageSecretCheckResource(ComputeConfig config, StorageSecrets secrets) {
        this.provider = config.provider();
        this.secrets = secrets;
    }

    @GET
    @PermitAll
    @Operation(summary = "204 when X-Dms-Storage-Secret is the secret of one of this instance's tracking servers")
    public Response check(@PathParam("id") String instanceId,
                          @HeaderParam(StorageCredentialsResource.SECRET_HEADER) String secret) throws SQLException {
        if (!"aliyun".equals(provider) && !"kubernetes".equals(provider)) {
            return problem(404, "not-found", "Resource not found", "Only the aliyun and kubernetes compute providers issue these secrets.");
        }
        if (secrets.verify(instanceId, secret).isEmpty()) {
            return problem(401, "unauthorized", "Unauthorized", "Not the secret of a tracking server of this instance.");
        }
        return Response.noContent().header("Cache-Control", "no-store").build();
    }

    private static Response problem(int status, String slug, String title, String detail) {
        Response.ResponseBuilder r = Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(slug, title, status, detail, status == 401 ? StorageCredentialsResource.SECRET_HEADER : null));
        if (status == 401) {
            r.header("WWW-Authenticate", StorageCredentialsResource.SECRET_HEADER);
        }
        return r.build();
    }
}
