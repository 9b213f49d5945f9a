package dev.dmsmlflow.notebook.provider.runtime;

import dev.dmsmlflow.notebook.domain.Storage;

import java.util.List;
import java.util.Map;

/**
 * Everything a runtime needs to start one session.
 *
 * @param python        Python version the image asks for ({@code major.minor})
 * @param libraries     the image's libraries (requirement specs)
 * @param packages      the session's own packages (normalized requirement specs)
 * @param environment   the user's variables (secrets: never logged)
 * @param managed       platform-managed variables (the tracking URI)
 * @param sourceAddress the session's address in its VPC: connections it makes into the VPC leave from it
 * @param basePath      the public path the server is reached under (its links are made for it), ending with '/'
 */
public record RuntimeRequest(String sessionId, String workspaceId, String image, String python, List<String> libraries,
                             List<String> packages, Map<String, String> environment, Map<String, String> managed, int cpus,
                             int memoryGib, Storage storage, String sourceAddress, String basePath, boolean developmentMode) {

    public RuntimeRequest {
        libraries = List.copyOf(libraries);
        packages = List.copyOf(packages);
        environment = Map.copyOf(environment);
        managed = Map.copyOf(managed);
    }

    @Override
    public String toString() {
        return "RuntimeRequest[" + sessionId + ", " + image + ", python " + python + ", packages " + packages + ", env "
                + environment.keySet() + ", " + cpus + " cpu, " + memoryGib + " GiB, " + storage.uri().orElse("temporary") + "]";
    }
}
