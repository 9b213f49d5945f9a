package dev.dmsmlflow.gateway.domain;

import dev.dmsmlflow.platform.problem.Problem;
import dev.dmsmlflow.platform.problem.ProblemException;

/** Rules about a workspace's members that hold whoever changes them. */
public final class Memberships {

    private Memberships() {
    }

    /**
     * A workspace always keeps an owner: changing {@code currentRole} to {@code newRole} (null = removing the member) is
     * refused when it would take away the last one.
     */
    public static void ensureAnOwnerRemains(Role currentRole, Role newRole, long owners) {
        boolean losesOwner = currentRole == Role.OWNER && newRole != Role.OWNER;
        if (losesOwner && owners <= 1) {
            throw new ProblemException(Problem.of("last-owner", "Last owner", 409,
                    "The workspace's last owner cannot be removed or demoted; make another member owner first.", "role")
                    .withCode("LAST_OWNER"));
        }
    }
}
