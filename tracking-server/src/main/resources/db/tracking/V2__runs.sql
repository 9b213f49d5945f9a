-- Runs, params, tags and metrics. latest_metrics holds the latest value per (run, key), maintained
-- on write, with the experiment id copied in so searches filter and sort without touching history.
CREATE TABLE runs (
    run_uuid        VARCHAR(32)   PRIMARY KEY,
    experiment_id   BIGINT        NOT NULL REFERENCES experiments (experiment_id),
    name            VARCHAR(250),
    user_id         VARCHAR(256),
    status          VARCHAR(20)   NOT NULL,
    start_time      BIGINT,
    end_time        BIGINT,
    deleted_time    BIGINT,
    lifecycle_stage VARCHAR(20)   NOT NULL DEFAULT 'active',
    artifact_uri    VARCHAR(2000),
    CONSTRAINT runs_lifecycle_stage_chk CHECK (lifecycle_stage IN ('active', 'deleted')),
    CONSTRAINT runs_status_chk CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'))
);
CREATE INDEX runs_experiment_start_idx ON runs (experiment_id, start_time DESC, run_uuid);

CREATE TABLE params (
    run_uuid VARCHAR(32)   NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key      VARCHAR(250)  NOT NULL,
    value    VARCHAR(8000) NOT NULL,
    PRIMARY KEY (run_uuid, key)
);
CREATE INDEX params_key_value_idx ON params (key, value, run_uuid);

CREATE TABLE tags (
    run_uuid VARCHAR(32)   NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key      VARCHAR(250)  NOT NULL,
    value    VARCHAR(8000),
    PRIMARY KEY (run_uuid, key)
);
CREATE INDEX tags_key_value_idx ON tags (key, value, run_uuid);

-- Full history, keyed for range reads of one (run, key) in history order (timestamp, step, value).
-- PostgreSQL doubles hold NaN and +-Infinity natively (NaN equals NaN and sorts above all numbers).
CREATE TABLE metrics (
    run_uuid       VARCHAR(32)      NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key            VARCHAR(250)     NOT NULL,
    step           BIGINT           NOT NULL,
    timestamp      BIGINT           NOT NULL,
    value          DOUBLE PRECISION NOT NULL,
    model_id       VARCHAR(64),
    dataset_name   VARCHAR(500),
    dataset_digest VARCHAR(36),
    PRIMARY KEY (run_uuid, key, timestamp, step, value)
);

CREATE TABLE latest_metrics (
    run_uuid      VARCHAR(32)      NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    key           VARCHAR(250)     NOT NULL,
    experiment_id BIGINT           NOT NULL,
    step          BIGINT           NOT NULL,
    timestamp     BIGINT           NOT NULL,
    value         DOUBLE PRECISION NOT NULL,
    model_id       VARCHAR(64),
    dataset_name   VARCHAR(500),
    dataset_digest VARCHAR(36),
    PRIMARY KEY (run_uuid, key)
);
CREATE INDEX latest_metrics_exp_key_value_idx ON latest_metrics (experiment_id, key, value, run_uuid);
