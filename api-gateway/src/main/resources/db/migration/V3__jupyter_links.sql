-- One-time links to a notebook session's JupyterLab: only the SHA-256 of the code is kept; a link is used at most once
-- (used_at set by one atomic UPDATE, so several gateway replicas can never both honour it).
CREATE TABLE jupyter_link_codes (
    code_sha256  char(64)     PRIMARY KEY,
    member_id    varchar(40)  NOT NULL REFERENCES members (id),
    key_id       varchar(40),
    workspace_id varchar(128) NOT NULL,
    session_id   varchar(128) NOT NULL,
    created_at   timestamptz  NOT NULL,
    expires_at   timestamptz  NOT NULL,
    used_at      timestamptz
);
CREATE INDEX jupyter_link_codes_by_expiry ON jupyter_link_codes (expires_at);
