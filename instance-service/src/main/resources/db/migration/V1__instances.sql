-- The MLflow instance aggregate. saga_step is the instance's pending provisioning work; the saga worker
-- picks rows with a step and resumes them after a restart.
CREATE TABLE instance (
    id                   varchar(64)  PRIMARY KEY,
    workspace_id         varchar(128) NOT NULL,
    name                 varchar(64)  NOT NULL,
    description          varchar(256),
    vpc_id               varchar(128) NOT NULL,
    vswitch_id           varchar(128) NOT NULL,
    secondary_vswitch_id varchar(128) NOT NULL,
    security_group_id    varchar(128) NOT NULL,
    oss_bucket           varchar(63)  NOT NULL,
    oss_path             varchar(1024) NOT NULL,
    spec                 varchar(64)  NOT NULL,
    tracking_version     varchar(64),
    status               varchar(32)  NOT NULL,
    saga_step            varchar(32),
    failure_code         varchar(64),
    failure_message      varchar(1024),
    tracking_database    varchar(63)  NOT NULL,
    backend_host         varchar(255),
    backend_port         integer,
    vpc_address          varchar(255),
    vpc_port             integer,
    load_balancer_id     varchar(255),
    listener_id          varchar(255),
    acl_id               varchar(255),
    compute_released     boolean      NOT NULL DEFAULT false,
    network_released     boolean      NOT NULL DEFAULT false,
    requested_by         varchar(255),
    created_at           timestamptz  NOT NULL,
    updated_at           timestamptz  NOT NULL,
    metered_from         timestamptz,
    version              bigint       NOT NULL DEFAULT 0
);
CREATE INDEX instance_status ON instance (status, id);
CREATE INDEX instance_saga_step ON instance (saga_step) WHERE saga_step IS NOT NULL;

-- Idempotency-Key of create requests: the same key with the same body answers the same instance.
CREATE TABLE instance_idempotency_key (
    workspace_id  varchar(128) NOT NULL,
    key           varchar(255) NOT NULL,
    request_hash  varchar(64)  NOT NULL,
    instance_id   varchar(64)  NOT NULL REFERENCES instance (id),
    created_at    timestamptz  NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

-- One row per emitted usage reading; the primary key makes a second emission of a window impossible.
CREATE TABLE usage_reading (
    meter_id      uuid         PRIMARY KEY,
    instance_id   varchar(64)  NOT NULL,
    window_start  timestamptz  NOT NULL,
    window_end    timestamptz  NOT NULL,
    quantity      numeric(18, 6) NOT NULL,
    metered_at    timestamptz  NOT NULL
);
CREATE INDEX usage_reading_instance ON usage_reading (instance_id, window_start);
