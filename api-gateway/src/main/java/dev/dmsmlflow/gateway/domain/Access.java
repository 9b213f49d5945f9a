package dev.dmsmlflow.gateway.domain;

/** A caller admitted to one workspace with its role there: what a call to a service acts as. */
public record Access(Caller caller, String workspaceId, Role role) {

    public String memberId() {
        return caller.memberId();
    }
}
