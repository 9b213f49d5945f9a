package dev.dmsmlflow.notebook.domain;

import dev.dmsmlflow.platform.problem.ProblemException;

import java.util.List;

/**
 * The rules of the create form that need the catalogue or more than one field (shapes are checked on the request record):
 * each failure is a 400 naming the field as the API spells it.
 */
public final class SessionRules {

    /** Bounds of the idle timeout, in minutes. */
    public record IdleBounds(int defaultMinutes, int min, int max) {
    }

    private SessionRules() {
    }

    public static NewSession validate(String workspaceId, String requestedBy, String name, String clusterId, String imageName,
                                      String specName, Boolean developmentMode, String configuration, Integer idleReleaseMinutes,
                                      String dataStorage, String pypiPackages, String environmentVariables, Catalogue catalogue,
                                      IdleBounds idle) {
        String cid = clusterId == null || clusterId.isBlank() ? Catalogue.DEFAULT_CLUSTER : clusterId;
        Cluster cluster = catalogue.cluster(cid).filter(c -> c.authorizes(workspaceId)).orElseThrow(() ->
                ProblemException.invalidField("cluster", "Cluster '" + cid + "' is neither the shared cluster nor a dedicated cluster"
                        + " this workspace is authorized for; one of " + names(catalogue.clusters().stream()
                        .filter(c -> c.authorizes(workspaceId)).map(Cluster::id).toList()) + "."));
        Image image = catalogue.image(imageName).orElseThrow(() -> ProblemException.invalidField("image",
                "Unknown image '" + imageName + "'; one of " + names(catalogue.images().stream().map(Image::name).toList()) + "."));
        Spec spec = catalogue.spec(specName).orElseThrow(() -> ProblemException.invalidField("spec",
                "Unknown specification '" + specName + "'; one of " + names(catalogue.specs().stream().map(Spec::name).toList())
                        + " (CPU cores + memory in GiB)."));
        String profileName = configuration == null || configuration.isBlank() ? Catalogue.DEFAULT_PROFILE : configuration;
        Profile profile = catalogue.profile(profileName).orElseThrow(() -> ProblemException.invalidField("configuration",
                "Unknown configuration profile '" + profileName + "'; one of "
                        + names(catalogue.profiles().stream().map(Profile::name).toList()) + "."));
        int minutes = idleReleaseMinutes == null ? idle.defaultMinutes() : idleReleaseMinutes;
        if (minutes < idle.min() || minutes > idle.max()) {
            throw ProblemException.invalidField("idleReleaseMinutes", "idleReleaseMinutes must be from " + idle.min() + " to "
                    + idle.max() + " (default " + idle.defaultMinutes() + ").");
        }
        Storage storage;
        try {
            storage = Storage.parse(dataStorage);
        } catch (Storage.InvalidStorage e) {
            throw ProblemException.invalidField("dataStorage", e.getMessage());
        }
        List<Requirements.Requirement> packages;
        try {
            packages = Requirements.parseList(pypiPackages);
        } catch (Requirements.InvalidRequirement e) {
            throw ProblemException.invalidField("pypiPackages", "pypiPackages: " + e.getMessage());
        }
        EnvironmentVariables env;
        try {
            env = EnvironmentVariables.parse(environmentVariables);
        } catch (EnvironmentVariables.InvalidVariables e) {
            throw ProblemException.invalidField("environmentVariables", "environmentVariables: " + e.getMessage());
        }
        return new NewSession(workspaceId, name, cluster, image, spec, Boolean.TRUE.equals(developmentMode), profile, minutes,
                storage, packages, env, requestedBy);
    }

    private static String names(List<String> names) {
        return names.isEmpty() ? "(none)" : String.join(", ", names);
    }
}
