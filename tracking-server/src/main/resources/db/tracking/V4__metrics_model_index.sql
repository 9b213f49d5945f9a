-- Logged models read and filter the metrics logged for them (metrics.model_id).
CREATE INDEX metrics_model_idx ON metrics (model_id, key) WHERE model_id IS NOT NULL;
