-- MLflow 3 logged models: one row per model, params and tags beside it. Metrics logged for a model
-- live in the runs' metrics table (metrics.model_id); the partial index below serves model reads.
CREATE TABLE logged_models (
    model_id                  VARCHAR(64)   PRIMARY KEY,
    experiment_id             BIGINT        NOT NULL REFERENCES experiments (experiment_id),
    name                      VARCHAR(500)  NOT NULL,
    artifact_location         VARCHAR(2500) NOT NULL,
    creation_timestamp_ms     BIGINT        NOT NULL,
    last_updated_timestamp_ms BIGINT        NOT NULL,
    status                    VARCHAR(32)   NOT NULL,
    lifecycle_stage           VARCHAR(32)   NOT NULL DEFAULT 'active',
    model_type                VARCHAR(500),
    source_run_id             VARCHAR(32),
    status_message            TEXT,
    CONSTRAINT logged_models_status_chk CHECK (status IN ('LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED')),
    CONSTRAINT logged_models_lifecycle_chk CHECK (lifecycle_stage IN ('active', 'deleted'))
);
CREATE INDEX logged_models_exp_created_idx ON logged_models (experiment_id, creation_timestamp_ms DESC, model_id)
    WHERE lifecycle_stage = 'active';
CREATE INDEX logged_models_source_run_idx ON logged_models (source_run_id) WHERE source_run_id IS NOT NULL;

CREATE TABLE logged_model_params (
    model_id VARCHAR(64)  NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key      VARCHAR(250) NOT NULL,
    value    TEXT         NOT NULL,
    PRIMARY KEY (model_id, key)
);

CREATE TABLE logged_model_tags (
    model_id VARCHAR(64)  NOT NULL REFERENCES logged_models (model_id) ON DELETE CASCADE,
    key      VARCHAR(250) NOT NULL,
    value    TEXT,
    PRIMARY KEY (model_id, key)
);

CREATE INDEX metrics_model_id_idx ON metrics (model_id, key, timestamp DESC, step DESC) WHERE model_id IS NOT NULL;
