-- The trace context (W3C traceparent) of the request or event that set the instance's pending saga step: the saga
-- worker's span for that step continues the trace (null: the step was set outside any trace, or before this column).
ALTER TABLE instance ADD COLUMN saga_traceparent varchar(64);
