-- Equality filters on params and tags (params.p = 'v', tags.t = 'v') read the runs of the searched experiment(s)
-- that have the value straight from one index range, so that a search can test its candidates against that set
-- (a hash) instead of probing params/tags once per candidate:
--  * experiment_id: copied from the run (runs never change experiment); RunStore writes it, and a trigger
--    fills it for writers that leave it out (SQL loads, administration);
--  * value_prefix: the first 256 characters of the value (what V20 indexed as left(value, 256)) as a stored
--    column, so that the index below answers index-only (an expression index never does).
-- (experiment_id, key, value_prefix, run_uuid) replaces V20's (key, left(value, 256), run_uuid): it answers the
-- per-run probes too (bound experiment, key, value and run).
ALTER TABLE params ADD COLUMN experiment_id BIGINT,
    ADD COLUMN value_prefix VARCHAR(256) GENERATED ALWAYS AS (left(value, 256)) STORED;
-- (the run_docs triggers would only rewrite every doc with the same keys and values)
ALTER TABLE params DISABLE TRIGGER params_run_docs_update;
UPDATE params p SET experiment_id = r.experiment_id FROM runs r WHERE r.run_uuid = p.run_uuid;
ALTER TABLE params ENABLE TRIGGER params_run_docs_update;
ALTER TABLE params ALTER COLUMN experiment_id SET NOT NULL;

ALTER TABLE tags ADD COLUMN experiment_id BIGINT,
    ADD COLUMN value_prefix VARCHAR(256) GENERATED ALWAYS AS (left(value, 256)) STORED;
ALTER TABLE tags DISABLE TRIGGER tags_run_docs_update;
UPDATE tags t SET experiment_id = r.experiment_id FROM runs r WHERE r.run_uuid = t.run_uuid;
ALTER TABLE tags ENABLE TRIGGER tags_run_docs_update;
ALTER TABLE tags ALTER COLUMN experiment_id SET NOT NULL;

CREATE FUNCTION run_child_experiment_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.experiment_id INTO NEW.experiment_id FROM runs r WHERE r.run_uuid = NEW.run_uuid;
    RETURN NEW;
END
$$;
CREATE TRIGGER params_experiment_id BEFORE INSERT ON params FOR EACH ROW WHEN (NEW.experiment_id IS NULL)
    EXECUTE FUNCTION run_child_experiment_id();
CREATE TRIGGER tags_experiment_id BEFORE INSERT ON tags FOR EACH ROW WHEN (NEW.experiment_id IS NULL)
    EXECUTE FUNCTION run_child_experiment_id();

DROP INDEX params_key_value_prefix_idx;
CREATE INDEX params_exp_key_value_idx ON params (experiment_id, key, value_prefix, run_uuid);
DROP INDEX tags_key_value_prefix_idx;
CREATE INDEX tags_exp_key_value_idx ON tags (experiment_id, key, value_prefix, run_uuid);
