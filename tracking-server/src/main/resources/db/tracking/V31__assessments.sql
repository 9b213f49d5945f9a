-- Assessments (feedback and expectations) on traces. The value is kept as the protobuf-JSON object the
-- client sent for its kind ({"value": ...} / {"serialized_value": {...}} / {"value": ..., "error": ...}).
CREATE TABLE assessments (
    assessment_id          VARCHAR(50)  PRIMARY KEY,
    trace_id               VARCHAR(50)  NOT NULL REFERENCES trace_info (request_id) ON DELETE CASCADE,
    name                   VARCHAR(250) NOT NULL,
    assessment_type        VARCHAR(20)  NOT NULL,
    value                  JSONB        NOT NULL,
    error                  JSONB,
    created_timestamp      BIGINT       NOT NULL,
    last_updated_timestamp BIGINT       NOT NULL,
    source_type            VARCHAR(50)  NOT NULL,
    source_id              VARCHAR(250),
    run_id                 VARCHAR(32),
    span_id                VARCHAR(50),
    rationale              TEXT,
    overrides              VARCHAR(50),
    valid                  BOOLEAN      NOT NULL DEFAULT TRUE,
    assessment_metadata    JSONB,
    CONSTRAINT assessments_type_chk CHECK (assessment_type IN ('feedback', 'expectation', 'issue'))
);
CREATE INDEX assessments_trace_idx ON assessments (trace_id, created_timestamp);
CREATE INDEX assessments_name_idx ON assessments (name, assessment_type, trace_id);
