-- Notebook sessions, their executions, what the service learned about MLflow instances, and usage readings.

CREATE TABLE notebook_session (
    id                    varchar(64)   PRIMARY KEY,
    workspace_id          varchar(128)  NOT NULL,
    name                  varchar(64)   NOT NULL,
    cluster_id            varchar(64)   NOT NULL,
    vpc_id                varchar(128)  NOT NULL,
    address               varchar(64)   NOT NULL,
    image                 varchar(128)  NOT NULL,
    spec                  varchar(32)   NOT NULL,
    development_mode      boolean       NOT NULL,
    profile               varchar(64)   NOT NULL,
    idle_release_minutes  integer       NOT NULL,
    storage               varchar(1100),
    packages              text          NOT NULL,   -- normalized requirement specs, one per line
    env_names             text          NOT NULL,   -- variable names, one per line (values only sealed, below)
    env_sealed            text,                     -- AES-GCM sealed JSON object of the variables
    status                varchar(16)   NOT NULL,
    status_reason_code    varchar(64),
    status_reason_message text,
    progress_phase        varchar(32),
    progress_message      text,
    pending_action        varchar(32),              -- effect the worker carries out after the commit
    idle_stop             boolean       NOT NULL DEFAULT false,
    wiring_dirty          boolean       NOT NULL DEFAULT false,
    instance_id           varchar(128),
    tracking_uri          varchar(512),
    runtime_info          text,                     -- JSON: interpreter used, limits, environment key
    metered_from          timestamptz,
    running_since         timestamptz,
    last_activity_at      timestamptz,
    created_by            varchar(128),
    created_at            timestamptz   NOT NULL,
    updated_at            timestamptz   NOT NULL,
    version               bigint        NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX notebook_session_name ON notebook_session (workspace_id, name);
CREATE UNIQUE INDEX notebook_session_address ON notebook_session (cluster_id, address);
CREATE INDEX notebook_session_pending ON notebook_session (pending_action) WHERE pending_action IS NOT NULL OR wiring_dirty;
CREATE INDEX notebook_session_status ON notebook_session (status);

CREATE TABLE notebook_execution (
    id             varchar(64)  PRIMARY KEY,
    session_id     varchar(64)  NOT NULL REFERENCES notebook_session (id) ON DELETE CASCADE,
    workspace_id   varchar(128) NOT NULL,
    code           text         NOT NULL,
    timeout_ms     bigint       NOT NULL,
    status         varchar(16)  NOT NULL,
    stdout         text         NOT NULL DEFAULT '',
    stderr         text         NOT NULL DEFAULT '',
    result         text,
    error_name     varchar(256),
    error_value    text,
    traceback      text,
    requested_by   varchar(128),
    created_at     timestamptz  NOT NULL,
    started_at     timestamptz,
    finished_at    timestamptz,
    version        bigint       NOT NULL DEFAULT 0
);
CREATE INDEX notebook_execution_session ON notebook_execution (session_id, created_at);
CREATE INDEX notebook_execution_open ON notebook_execution (status) WHERE status IN ('QUEUED', 'RUNNING');

-- MLflow instances as instance-service's events describe them (a projection: the service never asks instance-service)
CREATE TABLE mlflow_instance (
    instance_id   varchar(128) PRIMARY KEY,
    workspace_id  varchar(128) NOT NULL,
    vpc_id        varchar(128),
    oss_bucket    varchar(63),
    oss_path      varchar(1024),
    status        varchar(32)  NOT NULL,
    tracking_uri  varchar(512),
    running_at    timestamptz,
    updated_at    timestamptz  NOT NULL
);
CREATE INDEX mlflow_instance_workspace ON mlflow_instance (workspace_id, vpc_id, status);

CREATE TABLE usage_reading (
    meter_id      uuid          PRIMARY KEY,
    session_id    varchar(64)   NOT NULL,
    workspace_id  varchar(128)  NOT NULL,
    resource_type varchar(32)   NOT NULL,
    unit          varchar(32)   NOT NULL,
    spec          varchar(32)   NOT NULL,
    window_start  timestamptz   NOT NULL,
    window_end    timestamptz   NOT NULL,
    quantity      numeric(20,6) NOT NULL,
    metered_at    timestamptz   NOT NULL
);
CREATE INDEX usage_reading_session ON usage_reading (session_id, window_start);
