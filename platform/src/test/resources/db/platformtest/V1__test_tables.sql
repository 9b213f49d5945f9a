-- Tables used only by the platform's own tests.
CREATE TABLE test_aggregate (id varchar(64) PRIMARY KEY, seq integer NOT NULL DEFAULT 0);
CREATE TABLE test_handled (event_id varchar(64) PRIMARY KEY, runs integer NOT NULL);
