-- Datasets logged as run inputs, and models used as run inputs / produced as run outputs.
CREATE TABLE datasets (
    dataset_uuid   VARCHAR(32)   PRIMARY KEY,
    experiment_id  BIGINT        NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
    name           VARCHAR(500)  NOT NULL,
    digest         VARCHAR(36)   NOT NULL,
    source_type    VARCHAR(36)   NOT NULL,
    source         TEXT          NOT NULL,
    schema         TEXT,
    profile        TEXT,
    CONSTRAINT datasets_exp_name_digest_key UNIQUE (experiment_id, name, digest)
);

CREATE TABLE run_dataset_inputs (
    run_uuid     VARCHAR(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    dataset_uuid VARCHAR(32) NOT NULL REFERENCES datasets (dataset_uuid) ON DELETE CASCADE,
    position     BIGSERIAL,
    PRIMARY KEY (run_uuid, dataset_uuid)
);
CREATE INDEX run_dataset_inputs_dataset_idx ON run_dataset_inputs (dataset_uuid);

CREATE TABLE run_dataset_input_tags (
    run_uuid     VARCHAR(32)  NOT NULL,
    dataset_uuid VARCHAR(32)  NOT NULL,
    key          VARCHAR(255) NOT NULL,
    value        VARCHAR(500) NOT NULL,
    PRIMARY KEY (run_uuid, dataset_uuid, key),
    FOREIGN KEY (run_uuid, dataset_uuid) REFERENCES run_dataset_inputs (run_uuid, dataset_uuid) ON DELETE CASCADE
);

CREATE TABLE run_model_inputs (
    run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    model_id VARCHAR(64) NOT NULL,
    position BIGSERIAL,
    PRIMARY KEY (run_uuid, model_id)
);

CREATE TABLE run_model_outputs (
    run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
    model_id VARCHAR(64) NOT NULL,
    step     BIGINT      NOT NULL,
    position BIGSERIAL,
    PRIMARY KEY (run_uuid, model_id, step)
);
CREATE INDEX run_model_outputs_model_idx ON run_model_outputs (model_id);
