-- A run's params and tags as one row (run_docs), so that a search page or runs/get reads one row per run by
-- primary key instead of ~16 rows scattered over params and tags. The params and tags tables stay the truth
-- (filters and ordering use them and their indexes); run_docs is derived from them by the statement triggers
-- below, whoever writes (the API, SQL loads, cascades), in the writer's transaction.
--
-- Concurrency: every change is an incremental jsonb operation in one INSERT ... ON CONFLICT DO UPDATE or
-- UPDATE (doc || added, doc - removed keys). Under READ COMMITTED such a statement waits for the doc row's
-- lock and then re-applies its expression to the newest committed version of the row, so concurrent writers
-- of the same run never overwrite each other's keys. For a single (run, key) the params/tags row lock orders
-- the writers, and each one changes the doc while it holds that lock, so the doc ends as the table does.
-- Inserts and upserts visit runs in run_uuid order, so multi-run statements lock docs in one order.
CREATE TABLE run_docs (
    run_uuid VARCHAR(32) PRIMARY KEY REFERENCES runs (run_uuid) ON DELETE CASCADE,
    params   JSONB NOT NULL DEFAULT '{}',
    tags     JSONB NOT NULL DEFAULT '{}'
);

CREATE FUNCTION run_docs_params_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO run_docs AS d (run_uuid, params)
    SELECT n.run_uuid, jsonb_object_agg(n.key, n.value) FROM new_rows n GROUP BY n.run_uuid ORDER BY n.run_uuid
    ON CONFLICT (run_uuid) DO UPDATE SET params = d.params || EXCLUDED.params;
    RETURN NULL;
END
$$;

CREATE FUNCTION run_docs_tags_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO run_docs AS d (run_uuid, tags)
    SELECT n.run_uuid, jsonb_object_agg(n.key, n.value) FROM new_rows n GROUP BY n.run_uuid ORDER BY n.run_uuid
    ON CONFLICT (run_uuid) DO UPDATE SET tags = d.tags || EXCLUDED.tags;
    RETURN NULL;
END
$$;

-- Updates and deletes: remove the old keys, then add the new values (an update may change a key).
CREATE FUNCTION run_docs_params_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE run_docs d SET params = d.params - o.keys
    FROM (SELECT run_uuid, array_agg(key::text) AS keys FROM old_rows GROUP BY run_uuid ORDER BY run_uuid) o
    WHERE d.run_uuid = o.run_uuid;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO run_docs AS d (run_uuid, params)
        SELECT n.run_uuid, jsonb_object_agg(n.key, n.value) FROM new_rows n GROUP BY n.run_uuid ORDER BY n.run_uuid
        ON CONFLICT (run_uuid) DO UPDATE SET params = d.params || EXCLUDED.params;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION run_docs_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE run_docs d SET tags = d.tags - o.keys
    FROM (SELECT run_uuid, array_agg(key::text) AS keys FROM old_rows GROUP BY run_uuid ORDER BY run_uuid) o
    WHERE d.run_uuid = o.run_uuid;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO run_docs AS d (run_uuid, tags)
        SELECT n.run_uuid, jsonb_object_agg(n.key, n.value) FROM new_rows n GROUP BY n.run_uuid ORDER BY n.run_uuid
        ON CONFLICT (run_uuid) DO UPDATE SET tags = d.tags || EXCLUDED.tags;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER params_run_docs_insert AFTER INSERT ON params REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION run_docs_params_inserted();
CREATE TRIGGER params_run_docs_update AFTER UPDATE ON params REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION run_docs_params_changed();
CREATE TRIGGER params_run_docs_delete AFTER DELETE ON params REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION run_docs_params_changed();
CREATE TRIGGER tags_run_docs_insert AFTER INSERT ON tags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION run_docs_tags_inserted();
CREATE TRIGGER tags_run_docs_update AFTER UPDATE ON tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION run_docs_tags_changed();
CREATE TRIGGER tags_run_docs_delete AFTER DELETE ON tags REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION run_docs_tags_changed();

INSERT INTO run_docs (run_uuid, params, tags)
SELECT r.run_uuid,
       COALESCE((SELECT jsonb_object_agg(p.key, p.value) FROM params p WHERE p.run_uuid = r.run_uuid), '{}'),
       COALESCE((SELECT jsonb_object_agg(t.key, t.value) FROM tags t WHERE t.run_uuid = r.run_uuid), '{}')
FROM runs r
WHERE EXISTS (SELECT 1 FROM params p WHERE p.run_uuid = r.run_uuid)
   OR EXISTS (SELECT 1 FROM tags t WHERE t.run_uuid = r.run_uuid);
