-- Registered scorers of an experiment; every registration of a name adds a version.
CREATE TABLE scorers (
    scorer_id     VARCHAR(36)  PRIMARY KEY,
    experiment_id BIGINT       NOT NULL,
    scorer_name   VARCHAR(256) NOT NULL,
    CONSTRAINT scorers_name_key UNIQUE (experiment_id, scorer_name)
);

CREATE TABLE scorer_versions (
    scorer_id         VARCHAR(36) NOT NULL REFERENCES scorers (scorer_id) ON DELETE CASCADE,
    scorer_version    INTEGER     NOT NULL,
    serialized_scorer TEXT        NOT NULL,
    creation_time     BIGINT      NOT NULL,
    PRIMARY KEY (scorer_id, scorer_version)
);
