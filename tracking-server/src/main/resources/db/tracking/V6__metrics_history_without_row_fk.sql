-- The metric history is written only by RunStore, which locks the run row (FOR KEY SHARE) once per
-- statement or transaction before inserting. The per-row foreign key check did the same lock once per
-- ROW (1000 times for a full log-batch) and cost about a third of a batch insert. Runs are never
-- hard-deleted through the API; a DELETE on runs (administration) still removes their history, through
-- this statement-level trigger, as ON DELETE CASCADE did.
ALTER TABLE metrics DROP CONSTRAINT metrics_run_uuid_fkey;

CREATE FUNCTION metrics_delete_for_deleted_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM metrics m USING deleted_runs d WHERE m.run_uuid = d.run_uuid;
    RETURN NULL;
END
$$;

CREATE TRIGGER runs_delete_metrics AFTER DELETE ON runs REFERENCING OLD TABLE AS deleted_runs
    FOR EACH STATEMENT EXECUTE FUNCTION metrics_delete_for_deleted_runs();
