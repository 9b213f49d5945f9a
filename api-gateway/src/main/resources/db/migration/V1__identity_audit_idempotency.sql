-- Identity: members, workspaces, memberships with a role, API keys (only the secret's SHA-256 is stored).
CREATE TABLE members (
    id           varchar(40)  PRIMARY KEY,
    display_name varchar(100) NOT NULL,
    created_at   timestamptz  NOT NULL
);

CREATE TABLE workspaces (
    id         varchar(63)  PRIMARY KEY,
    name       varchar(100) NOT NULL,
    created_by varchar(40)  NOT NULL REFERENCES members (id),
    created_at timestamptz  NOT NULL,
    updated_at timestamptz  NOT NULL,
    version    bigint       NOT NULL DEFAULT 0
);

CREATE TABLE memberships (
    workspace_id varchar(63) NOT NULL REFERENCES workspaces (id),
    member_id    varchar(40) NOT NULL REFERENCES members (id),
    role         varchar(16) NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    added_at     timestamptz NOT NULL,
    version      bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, member_id)
);
CREATE INDEX memberships_by_member ON memberships (member_id);

CREATE TABLE api_keys (
    id            varchar(16)  PRIMARY KEY,
    member_id     varchar(40)  NOT NULL REFERENCES members (id),
    workspace_id  varchar(63)  REFERENCES workspaces (id),
    name          varchar(100),
    secret_sha256 char(64)     NOT NULL,
    created_by    varchar(40)  NOT NULL REFERENCES members (id),
    created_at    timestamptz  NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX api_keys_by_member ON api_keys (member_id, id);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, id);

-- Audit log: append-only; the database itself refuses to change or delete an entry.
CREATE TABLE audit_entries (
    id            bigserial     PRIMARY KEY,
    occurred_at   timestamptz   NOT NULL,
    request_id    varchar(128)  NOT NULL,
    member_id     varchar(40)   NOT NULL,
    key_id        varchar(16),
    workspace_id  varchar(63),
    action        varchar(64)   NOT NULL,
    resource_type varchar(32)   NOT NULL,
    resource_id   varchar(200),
    outcome       integer       NOT NULL,
    method        varchar(8)    NOT NULL,
    path          varchar(2048) NOT NULL
);
CREATE INDEX audit_entries_by_workspace ON audit_entries (workspace_id, id DESC);

CREATE FUNCTION audit_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_entries_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_truncate
    BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();

-- Idempotency keys, per member: the first answer to a POST, replayed to its retries.
CREATE TABLE idempotency_records (
    member_id             varchar(40)   NOT NULL,
    idempotency_key       varchar(255)  NOT NULL,
    request_sha256        char(64)      NOT NULL,
    state                 varchar(16)   NOT NULL CHECK (state IN ('IN_FLIGHT', 'DONE')),
    started_at            timestamptz   NOT NULL,
    completed_at          timestamptz,
    response_status       integer,
    response_content_type varchar(128),
    response_location     varchar(2048),
    response_body         bytea,
    PRIMARY KEY (member_id, idempotency_key)
);
CREATE INDEX idempotency_records_by_start ON idempotency_records (started_at);
