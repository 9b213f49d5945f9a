-- GenAI evaluation datasets: records deduplicated by a hash of their inputs; experiments linked through
-- entity_associations (source_type 'evaluation_dataset', destination_type 'experiment').
CREATE TABLE evaluation_datasets (
    dataset_id       VARCHAR(36)  PRIMARY KEY,
    name             VARCHAR(255) NOT NULL,
    schema_json      TEXT,
    profile_json     TEXT,
    digest           VARCHAR(64),
    created_time     BIGINT       NOT NULL,
    last_update_time BIGINT       NOT NULL,
    created_by       VARCHAR(255),
    last_updated_by  VARCHAR(255)
);
CREATE INDEX evaluation_datasets_created_idx ON evaluation_datasets (created_time DESC, dataset_id);

CREATE TABLE evaluation_dataset_tags (
    dataset_id VARCHAR(36)  NOT NULL REFERENCES evaluation_datasets (dataset_id) ON DELETE CASCADE,
    key        VARCHAR(255) NOT NULL,
    value      TEXT,
    PRIMARY KEY (dataset_id, key)
);

CREATE TABLE evaluation_dataset_records (
    dataset_record_id VARCHAR(36) PRIMARY KEY,
    dataset_id        VARCHAR(36) NOT NULL REFERENCES evaluation_datasets (dataset_id) ON DELETE CASCADE,
    inputs            JSONB       NOT NULL,
    outputs           JSONB,
    expectations      JSONB,
    tags              JSONB,
    source            JSONB,
    source_id         VARCHAR(255),
    source_type       VARCHAR(255),
    created_time      BIGINT      NOT NULL,
    last_update_time  BIGINT      NOT NULL,
    created_by        VARCHAR(255),
    last_updated_by   VARCHAR(255),
    input_hash        VARCHAR(64) NOT NULL,
    CONSTRAINT evaluation_dataset_records_input_key UNIQUE (dataset_id, input_hash)
);
