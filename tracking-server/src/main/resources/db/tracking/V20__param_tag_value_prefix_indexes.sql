-- Param values up to 6,000 and run tag values up to 8,000 characters must fit: a btree entry holds at most
-- 2,704 bytes, so the (key, value) indexes refused long incompressible values (a 500 on log-parameter).
-- Index a 256-character prefix of the value instead; equality filters also compare that prefix.
DROP INDEX params_key_value_idx;
CREATE INDEX params_key_value_prefix_idx ON params (key, left(value, 256), run_uuid);
DROP INDEX tags_key_value_idx;
CREATE INDEX tags_key_value_prefix_idx ON tags (key, left(value, 256), run_uuid);
