-- Where a running session's server actually is when the runtime gives it an address of its own (the kubernetes runtime:
-- the Pod's IP), reported instead of the address allocated from the notebook subnet. No unique index: a Pod's IP is reused
-- by the cluster after the Pod is gone, and the column is cleared when the session stops running.
ALTER TABLE notebook_session ADD COLUMN runtime_address varchar(64);
