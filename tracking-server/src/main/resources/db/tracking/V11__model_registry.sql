-- Model registry. Registered models carry a surrogate id so a rename touches one row; last_version
-- is the highest version number ever issued (numbers of deleted versions are never reused).
CREATE TABLE registered_models (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              VARCHAR(256) NOT NULL,
    creation_time     BIGINT       NOT NULL,
    last_updated_time BIGINT       NOT NULL,
    description       TEXT,
    last_version      INTEGER      NOT NULL DEFAULT 0,
    CONSTRAINT registered_models_name_key UNIQUE (name)
);
CREATE INDEX registered_models_updated_idx ON registered_models (last_updated_time, name);
CREATE INDEX registered_models_created_idx ON registered_models (creation_time, name);

CREATE TABLE registered_model_tags (
    registered_model_id BIGINT       NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    key                 VARCHAR(250) NOT NULL,
    value               TEXT,
    PRIMARY KEY (registered_model_id, key)
);

CREATE TABLE model_versions (
    registered_model_id BIGINT      NOT NULL REFERENCES registered_models (id) ON DELETE CASCADE,
    version             INTEGER     NOT NULL,
    creation_time       BIGINT      NOT NULL,
    last_updated_time   BIGINT      NOT NULL,
    description         TEXT,
    user_id             VARCHAR(256),
    current_stage       VARCHAR(20) NOT NULL DEFAULT 'None',
    source              TEXT,
    storage_location    TEXT,
    run_id              VARCHAR(32),
    run_link            TEXT,
    status              VARCHAR(20) NOT NULL DEFAULT 'READY',
    status_message      TEXT,
    model_id            VARCHAR(64),
    PRIMARY KEY (registered_model_id, version),
    CONSTRAINT model_versions_stage_chk CHECK (current_stage IN ('None', 'Staging', 'Production', 'Archived'))
);
CREATE INDEX model_versions_run_idx ON model_versions (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX model_versions_updated_idx ON model_versions (last_updated_time);

CREATE TABLE model_version_tags (
    registered_model_id BIGINT       NOT NULL,
    version             INTEGER      NOT NULL,
    key                 VARCHAR(250) NOT NULL,
    value               TEXT,
    PRIMARY KEY (registered_model_id, version, key),
    FOREIGN KEY (registered_model_id, version) REFERENCES model_versions (registered_model_id, version) ON DELETE CASCADE
);

CREATE TABLE registered_model_aliases (
    registered_model_id BIGINT       NOT NULL,
    alias               VARCHAR(255) NOT NULL,
    version             INTEGER      NOT NULL,
    PRIMARY KEY (registered_model_id, alias),
    FOREIGN KEY (registered_model_id, version) REFERENCES model_versions (registered_model_id, version) ON DELETE CASCADE
);
CREATE INDEX registered_model_aliases_version_idx ON registered_model_aliases (registered_model_id, version);
