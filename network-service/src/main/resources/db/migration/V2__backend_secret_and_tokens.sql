-- The secret each local load balancer adds toward its tracking server (X-Dms-Backend-Auth), sealed (AES-256-GCM under
-- the service's master key, bound to the instance id); the digest is what the tracking server is told.
CREATE TABLE backend_secret (
    instance_id varchar(128) PRIMARY KEY REFERENCES network (instance_id) ON DELETE CASCADE,
    sealed      text        NOT NULL,
    digest      varchar(64) NOT NULL,
    created_at  timestamptz NOT NULL
);

-- How clients authenticate to the instance at its load balancer: network (ACL + security group) or token (also an
-- MLflow access token).
ALTER TABLE network ADD COLUMN auth_mode varchar(16) NOT NULL DEFAULT 'network';

-- MLflow access tokens of an instance: only the SHA-256 of the token is kept.
CREATE TABLE access_token (
    token_id     varchar(32)  PRIMARY KEY,
    instance_id  varchar(128) NOT NULL REFERENCES network (instance_id) ON DELETE CASCADE,
    name         varchar(64)  NOT NULL,
    scope        varchar(16)  NOT NULL,
    token_hash   varchar(64)  NOT NULL UNIQUE,
    created_by   varchar(255),
    created_at   timestamptz  NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX access_token_instance ON access_token (instance_id, created_at);
