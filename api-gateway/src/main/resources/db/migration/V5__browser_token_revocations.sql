-- A member's role went down (or they left): their browser sign-in tokens (network-service's kind 'browser') that grant
-- more than the new role must be revoked at every instance of the workspace. Written in the role change's transaction,
-- worked off by the gateway after the commit (a remote call never runs inside a transaction) and retried until done.
CREATE TABLE browser_token_revocations (
    id           bigserial    PRIMARY KEY,
    workspace_id varchar(128) NOT NULL,
    member_id    varchar(40)  NOT NULL,
    keep_scope   varchar(16),              -- the scope the member may still hold ('read' for a viewer); NULL: none
    requested_by varchar(40)  NOT NULL,    -- the owner who changed the role (the services are called as them)
    requested_at timestamptz  NOT NULL,
    attempts     integer      NOT NULL DEFAULT 0,
    last_error   varchar(500)
);
