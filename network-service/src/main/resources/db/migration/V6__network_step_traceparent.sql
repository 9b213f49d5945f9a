-- The trace context (W3C traceparent) of the request or event that recorded the network's pending step: the network
-- worker's span for that step continues the trace (null: recorded outside any trace, or before this column).
ALTER TABLE network ADD COLUMN step_traceparent varchar(64);
