-- latest_metrics' primary key carries the row's other columns, so that a search page's latest metrics (100 runs
-- x their keys) and the metric filters' probes (run, key -> value) are index-only scans instead of one heap
-- page per row. Every latest_metrics update already writes a new entry into this index (the value is also
-- indexed in latest_metrics_exp_key_value_idx, so updates are never HOT): the entries only get wider.
ALTER TABLE latest_metrics DROP CONSTRAINT latest_metrics_pkey;
ALTER TABLE latest_metrics ADD CONSTRAINT latest_metrics_pkey PRIMARY KEY (run_uuid, key)
    INCLUDE (value, timestamp, step, model_id, dataset_name, dataset_digest);
