-- Runs search orders by start_time DESC NULLS LAST, run_uuid (the default order and every tie-break):
-- an index in exactly that order lets a page of an experiment's runs be read without sorting them all.
-- (V2's runs_experiment_start_idx sorts NULL start times first, which that ORDER BY cannot use.)
CREATE INDEX runs_experiment_start_nulls_last_idx ON runs (experiment_id, start_time DESC NULLS LAST, run_uuid);
DROP INDEX runs_experiment_start_idx;
