package dev.dmsmlflow.gateway.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The public API's document header (the rest of the document comes from the resources and {@link OpenApiFilter}). */
@OpenAPIDefinition(info = @Info(title = "DMS MLflow public API", version = "v1"),
        tags = {@Tag(name = "identity", description = "The caller and their API keys"),
                @Tag(name = "workspaces"), @Tag(name = "members", description = "Members, roles and workspace keys"),
                @Tag(name = "audit"), @Tag(name = "instances", description = "MLflow instances, their network and usage"),
                @Tag(name = "network", description = "The network registry: VPCs, vSwitches and security groups to choose from")})
public class PublicApi extends Application {
}
