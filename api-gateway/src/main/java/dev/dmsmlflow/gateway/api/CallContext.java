package dev.dmsmlflow.gateway.api;

import dev.dmsmlflow.gateway.domain.Access;
import dev.dmsmlflow.gateway.domain.Caller;
import jakarta.enterprise.context.RequestScoped;

/** What the access filter learned about the current request, for the resource and the audit entry. */
@RequestScoped
public class CallContext {

    private String requestId;
    private Caller caller;
    private Access access;
    private boolean throttled;
    private String auditWorkspaceId;
    private String auditResourceId;

    /**
     * This request's context itself rather than the CDI proxy: safe to use in callbacks that run after the
     * resource method returned (the request scope may not be active there).
     */
    public CallContext self() {
        return this;
    }

    public String requestId() {
        return requestId;
    }

    void requestId(String id) {
        this.requestId = id;
    }

    /** The authenticated caller (every /api/v1 resource method runs only with one). */
    public Caller caller() {
        return caller;
    }

    void caller(Caller caller) {
        this.caller = caller;
    }

    /** The caller's admission to the {@code {ws}} of the path, on routes marked {@link InWorkspace}. */
    public Access access() {
        return access;
    }

    void access(Access access) {
        this.access = access;
    }

    boolean throttled() {
        return throttled;
    }

    void throttled(boolean throttled) {
        this.throttled = throttled;
    }

    String auditWorkspaceId() {
        return auditWorkspaceId != null ? auditWorkspaceId : access == null ? null : access.workspaceId();
    }

    String auditResourceId() {
        return auditResourceId;
    }

    /** The workspace an audit entry belongs to when the caller was refused there by role (a member, so the owners may see it). */
    void auditWorkspace(String workspaceId) {
        this.auditWorkspaceId = workspaceId;
    }

    /** Names what a call created, for its audit entry (a create's id is not in its path). */
    public void created(String workspaceId, String resourceId) {
        if (workspaceId != null) {
            this.auditWorkspaceId = workspaceId;
        }
        this.auditResourceId = resourceId;
    }
}
