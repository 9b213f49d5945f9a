package dev.dmsmlflow.gateway.application;

import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.Caller;
import dev.dmsmlflow.gateway.domain.Ids;
import dev.dmsmlflow.gateway.domain.Role;
import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Admits a caller to a workspace: 404 when the workspace is not theirs (not a member, or the key is scoped to another
 * workspace; ids never leak), 403 when their role there does not allow the action.
 */
@ApplicationScoped
public class Authorizer {

    private final AccessDirectory directory;
    private final Blocking blocking;

    Authorizer(AccessDirectory directory, Blocking blocking) {
        this.directory = directory;
        this.blocking = blocking;
    }

    public Uni<Access> admit(Caller caller, String workspaceId, Role required) {
        if (!Ids.isWorkspaceId(workspaceId) || !caller.keyReaches(workspaceId)) {
            return Uni.createFrom().failure(workspaceNotFound(workspaceId));
        }
        Optional<Role> cached = directory.cachedRole(caller.memberId(), workspaceId);
        if (cached != null) {
            return decide(caller, workspaceId, required, cached);
        }
        return blocking.call(() -> directory.loadRole(caller.memberId(), workspaceId))
                .flatMap(role -> decide(caller, workspaceId, required, role));
    }

    private static Uni<Access> decide(Caller caller, String workspaceId, Role required, Optional<Role> role) {
        if (role.isEmpty()) {
            return Uni.createFrom().failure(workspaceNotFound(workspaceId));
        }
        if (!role.get().includes(required)) {
            return Uni.createFrom().failure(new ProblemException(Problem.of("forbidden", "Forbidden", 403,
                    "Your role in workspace '" + workspaceId + "' is " + role.get().wire() + "; this needs "
                            + required.wire() + ".", null).withCode("ROLE_" + required.name())));
        }
        return Uni.createFrom().item(new Access(caller, workspaceId, role.get()));
    }

    public static ProblemException workspaceNotFound(String workspaceId) {
        return new ProblemException(Problem.of("not-found", "Resource not found", 404,
                "No workspace '" + workspaceId + "' is visible to this API key.", null));
    }
}
