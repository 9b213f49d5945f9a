-- Compute "aliyun": each container group of a tracking server holds a random secret with which it asks this service for
-- OSS credentials scoped to its instance's root. Only the secret's SHA-256 is kept, with the root it was issued for; the
-- row goes with the container group.
CREATE TABLE compute_storage_secret (
    holder      varchar(128) PRIMARY KEY,
    instance_id varchar(64)  NOT NULL,
    oss_bucket  varchar(63)  NOT NULL,
    oss_path    varchar(1024) NOT NULL,
    digest      char(64)     NOT NULL,
    created_at  timestamptz  NOT NULL
);

CREATE INDEX compute_storage_secret_instance ON compute_storage_secret (instance_id);
