package dev.dmsmlflow.notebook.api;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * The "Create Session" form of the console. Shapes are checked here; catalogue entries, bounds and the structured fields
 * (packages, variables, storage) by the domain's rules. Every failure is a 400 naming the field; nothing is created.
 *
 * @param name                 unique in the workspace: letters, digits and underscores, at most 64
 * @param cluster              {@code default} (DMS' shared cluster, the default) or an authorized dedicated cluster
 * @param image                runtime image from the catalogue, e.g. {@code Python3.9:1.0.9}
 * @param spec                 specification from the catalogue, e.g. {@code 1C4G}
 * @param developmentMode      auto-reload of changed modules and other interactive aids (default off)
 * @param configuration        configuration profile (default {@code default_profile})
 * @param idleReleaseMinutes   idle minutes before automatic release (default 1440)
 * @param dataStorage          {@code None} (temporary, the default), {@code oss://bucket/path} or {@code nas://fs/path}
 * @param pypiPackages         comma-separated PEP 508 requirements, e.g. {@code dashscope, pandas==2.1.0}
 * @param environmentVariables {@code KEY=VALUE} separated by line breaks or semicolons (values are secrets)
 */
public record CreateSessionRequest(
        @NotBlank @Size(max = 64) @Pattern(regexp = "^[A-Za-z0-9_]{1,64}$", message = "must be letters, digits and underscores (at most 64)") String name,
        @Size(max = 64) String cluster,
        @NotBlank @Size(max = 128) String image,
        @NotBlank @Size(max = 32) String spec,
        Boolean developmentMode,
        @Size(max = 64) String configuration,
        Integer idleReleaseMinutes,
        @Size(max = 1100) String dataStorage,
        @Size(max = 20000) String pypiPackages,
        @Size(max = 500000) String environmentVariables) {

    @Override
    public String toString() {
        return "CreateSessionRequest[" + name + ", " + image + ", " + spec + ", environmentVariables hidden]";
    }
}
