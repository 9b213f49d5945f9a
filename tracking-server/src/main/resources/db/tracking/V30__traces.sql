-- MLflow 3 traces. Span data lives in the database (as upstream's SQL store keeps it), one row per span
-- with the span's MLflow dictionary form in `content`; a trace carries the tag
-- mlflow.trace.spansLocation=TRACKING_STORE once spans arrived. Searches filter an experiment and
-- walk (experiment_id, timestamp_ms DESC, request_id), the default order.
CREATE TABLE trace_info (
    request_id        VARCHAR(50)  PRIMARY KEY,
    experiment_id     BIGINT       NOT NULL,
    timestamp_ms      BIGINT       NOT NULL,
    execution_time_ms BIGINT,
    status            VARCHAR(50)  NOT NULL,
    client_request_id VARCHAR(250),
    request_preview   TEXT,
    response_preview  TEXT,
    -- start_trace wrote the authoritative time range and previews (spans no longer widen them)
    finalized         BOOLEAN      NOT NULL DEFAULT FALSE,
    CONSTRAINT trace_info_status_chk CHECK (status IN ('STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS'))
);
CREATE INDEX trace_info_exp_ts_idx ON trace_info (experiment_id, timestamp_ms DESC, request_id);
CREATE INDEX trace_info_client_request_idx ON trace_info (client_request_id) WHERE client_request_id IS NOT NULL;

CREATE TABLE trace_tags (
    request_id VARCHAR(50)  NOT NULL REFERENCES trace_info (request_id) ON DELETE CASCADE,
    key        VARCHAR(250) NOT NULL,
    value      TEXT,
    PRIMARY KEY (request_id, key)
);
CREATE INDEX trace_tags_key_value_idx ON trace_tags (key, value, request_id);

CREATE TABLE trace_request_metadata (
    request_id VARCHAR(50)  NOT NULL REFERENCES trace_info (request_id) ON DELETE CASCADE,
    key        VARCHAR(250) NOT NULL,
    value      TEXT,
    PRIMARY KEY (request_id, key)
);
CREATE INDEX trace_request_metadata_key_value_idx ON trace_request_metadata (key, value, request_id);

CREATE TABLE spans (
    trace_id             VARCHAR(50)  NOT NULL REFERENCES trace_info (request_id) ON DELETE CASCADE,
    span_id              VARCHAR(16)  NOT NULL,
    parent_span_id       VARCHAR(16),
    experiment_id        BIGINT       NOT NULL,
    name                 TEXT,
    type                 VARCHAR(500),
    status               VARCHAR(50),
    start_time_unix_nano BIGINT       NOT NULL,
    end_time_unix_nano   BIGINT,
    content              TEXT         NOT NULL,
    PRIMARY KEY (trace_id, span_id)
);

-- Links between entities (trace -> run, trace -> prompt version, dataset -> experiment, ...).
CREATE TABLE entity_associations (
    source_type      VARCHAR(36)  NOT NULL,
    source_id        VARCHAR(250) NOT NULL,
    destination_type VARCHAR(36)  NOT NULL,
    destination_id   VARCHAR(250) NOT NULL,
    created_time     BIGINT       NOT NULL,
    PRIMARY KEY (source_type, source_id, destination_type, destination_id)
);
CREATE INDEX entity_associations_destination_idx ON entity_associations (destination_type, destination_id, source_type);
