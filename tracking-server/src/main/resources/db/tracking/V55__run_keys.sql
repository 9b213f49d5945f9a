-- Integer run keys for the search side. A run keeps its run_uuid (the API's id, varchar(32)); it also gets run_key, a
-- bigint from an identity, and the rows a search walks, hashes and probes carry it: latest_metrics (the order metric's
-- index walk, the metric filters' probes, a page's latest metrics), and params and tags (the equality filters' index
-- range). Hashing and comparing 8-byte integers is cheaper than varchar(32) texts in every one of those steps.
--
-- Consistency is a constraint, not a convention: each child row references its run by the PAIR (run_key, run_uuid), a
-- composite foreign key onto a unique (run_key, run_uuid) of runs, so a child row's run_key can only be its own run's.
-- The pair replaces the single-column run_uuid foreign keys (same ON DELETE CASCADE). Writers that leave run_key out (SQL
-- loads, administration, the params/tags writers of RunStore) get it filled from runs by a BEFORE INSERT trigger; a wrong
-- one is refused by the foreign key. run_uuid and run_key of a run never change.

-- Existing runs get their keys here (ADD COLUMN with an identity fills every row from the sequence).
ALTER TABLE runs ADD COLUMN run_key BIGINT GENERATED ALWAYS AS IDENTITY;
ALTER TABLE runs ADD CONSTRAINT runs_run_key_key UNIQUE (run_key);
ALTER TABLE runs ADD CONSTRAINT runs_run_key_run_uuid_key UNIQUE (run_key, run_uuid);

CREATE FUNCTION run_child_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT COALESCE(NEW.run_key, r.run_key), COALESCE(NEW.experiment_id, r.experiment_id) INTO NEW.run_key, NEW.experiment_id
    FROM runs r WHERE r.run_uuid = NEW.run_uuid;
    RETURN NEW;
END
$$;

-- latest_metrics: keyed by (run_key, key); the primary key covers the row (as V51's did) plus run_uuid, so a page's
-- latest metrics and the metric probes stay index-only. The old (run_uuid, key) key goes: the table keeps two indexes,
-- as before, and every metric write still maintains two.
ALTER TABLE latest_metrics ADD COLUMN run_key BIGINT;
UPDATE latest_metrics l SET run_key = r.run_key FROM runs r WHERE r.run_uuid = l.run_uuid;
ALTER TABLE latest_metrics ALTER COLUMN run_key SET NOT NULL;
ALTER TABLE latest_metrics DROP CONSTRAINT latest_metrics_run_uuid_fkey;
ALTER TABLE latest_metrics DROP CONSTRAINT latest_metrics_pkey;
ALTER TABLE latest_metrics ADD CONSTRAINT latest_metrics_pkey PRIMARY KEY (run_key, key)
    INCLUDE (value, timestamp, step, model_id, dataset_name, dataset_digest, run_uuid);
ALTER TABLE latest_metrics ADD CONSTRAINT latest_metrics_run_fkey FOREIGN KEY (run_key, run_uuid)
    REFERENCES runs (run_key, run_uuid) ON DELETE CASCADE;
DROP INDEX latest_metrics_exp_key_value_idx;
CREATE INDEX latest_metrics_exp_key_value_idx ON latest_metrics (experiment_id, key, value, run_key);
CREATE TRIGGER latest_metrics_run_key BEFORE INSERT ON latest_metrics FOR EACH ROW WHEN (NEW.run_key IS NULL)
    EXECUTE FUNCTION run_child_keys();

-- params and tags: the (run_uuid, key) primary keys stay (the API's writes and reads of one run); the equality filters'
-- index (V52) ends in run_key instead of run_uuid. (The run_docs triggers would only rewrite every doc unchanged.)
ALTER TABLE params ADD COLUMN run_key BIGINT;
ALTER TABLE params DISABLE TRIGGER params_run_docs_update;
UPDATE params p SET run_key = r.run_key FROM runs r WHERE r.run_uuid = p.run_uuid;
ALTER TABLE params ENABLE TRIGGER params_run_docs_update;
ALTER TABLE params ALTER COLUMN run_key SET NOT NULL;
ALTER TABLE params DROP CONSTRAINT params_run_uuid_fkey;
ALTER TABLE params ADD CONSTRAINT params_run_fkey FOREIGN KEY (run_key, run_uuid)
    REFERENCES runs (run_key, run_uuid) ON DELETE CASCADE;
DROP INDEX params_exp_key_value_idx;
CREATE INDEX params_exp_key_value_idx ON params (experiment_id, key, value_prefix, run_key);
DROP TRIGGER params_experiment_id ON params;
CREATE TRIGGER params_run_keys BEFORE INSERT ON params FOR EACH ROW
    WHEN (NEW.run_key IS NULL OR NEW.experiment_id IS NULL) EXECUTE FUNCTION run_child_keys();

ALTER TABLE tags ADD COLUMN run_key BIGINT;
ALTER TABLE tags DISABLE TRIGGER tags_run_docs_update;
UPDATE tags t SET run_key = r.run_key FROM runs r WHERE r.run_uuid = t.run_uuid;
ALTER TABLE tags ENABLE TRIGGER tags_run_docs_update;
ALTER TABLE tags ALTER COLUMN run_key SET NOT NULL;
ALTER TABLE tags DROP CONSTRAINT tags_run_uuid_fkey;
ALTER TABLE tags ADD CONSTRAINT tags_run_fkey FOREIGN KEY (run_key, run_uuid)
    REFERENCES runs (run_key, run_uuid) ON DELETE CASCADE;
DROP INDEX tags_exp_key_value_idx;
CREATE INDEX tags_exp_key_value_idx ON tags (experiment_id, key, value_prefix, run_key);
DROP TRIGGER tags_experiment_id ON tags;
CREATE TRIGGER tags_run_keys BEFORE INSERT ON tags FOR EACH ROW
    WHEN (NEW.run_key IS NULL OR NEW.experiment_id IS NULL) EXECUTE FUNCTION run_child_keys();

DROP FUNCTION run_child_experiment_id();
