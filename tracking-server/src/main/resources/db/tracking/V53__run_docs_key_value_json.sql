-- A run's params and tags also as the JSON the API answers with: run_docs.params_json and tags_json hold
-- [{"key": k, "value": v}, ...] (no "value" for a NULL tag value), listed by key in code point order (COLLATE "C":
-- UTF-8 byte order), or NULL when the run has none. A search page or runs/get writes them into the response as they
-- are: the server neither parses the jsonb objects nor builds a map per run (about a quarter of the JVM's time per
-- search page before).
--
-- They are stored generated columns: PostgreSQL computes them from the row's params and tags on every insert and
-- update of a run_docs row, in the writer's statement, so they can never disagree with the jsonb objects (the
-- V50 triggers' concurrency argument covers them). Adding them computes them for every existing row.
-- Strings are escaped as PostgreSQL escapes JSON (to_json, jsonb output), which any JSON reader decodes to the same
-- text as the escaping of Jackson's writer.
CREATE FUNCTION run_docs_key_values(doc jsonb) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT '[' || string_agg(CASE WHEN e.value = 'null'::jsonb THEN '{"key":' || to_json(e.key)::text || '}'
                                  ELSE '{"key":' || to_json(e.key)::text || ',"value":' || e.value::text || '}' END,
                             ',' ORDER BY e.key COLLATE "C") || ']'
    FROM jsonb_each(doc) AS e
$$;

ALTER TABLE run_docs
    ADD COLUMN params_json TEXT GENERATED ALWAYS AS (run_docs_key_values(params)) STORED,
    ADD COLUMN tags_json TEXT GENERATED ALWAYS AS (run_docs_key_values(tags)) STORED;
