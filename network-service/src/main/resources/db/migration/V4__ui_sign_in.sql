-- Browser sign-in to a token-mode instance's MLflow UI: a one-time code (256 random bits) the load balancer trades for
-- a short-lived access token in a cookie. Only the code's SHA-256 is kept; used_at spends it (one UPDATE ... RETURNING).
CREATE TABLE ui_sign_in_code (
    code_hash    varchar(64)  PRIMARY KEY,
    instance_id  varchar(128) NOT NULL REFERENCES network (instance_id) ON DELETE CASCADE,
    workspace_id varchar(128) NOT NULL,
    member_id    varchar(255) NOT NULL,
    scope        varchar(16)  NOT NULL,
    created_at   timestamptz  NOT NULL,
    expires_at   timestamptz  NOT NULL,
    used_at      timestamptz
);
CREATE INDEX ui_sign_in_code_expiry ON ui_sign_in_code (expires_at);

-- Where a token came from: 'api' (created by an editor through the API, named, counted against the instance's quota) or
-- 'browser' (made by a browser sign-in: short-lived, capped per member instead).
ALTER TABLE access_token ADD COLUMN kind varchar(16) NOT NULL DEFAULT 'api';
