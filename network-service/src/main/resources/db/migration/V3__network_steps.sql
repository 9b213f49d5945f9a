-- The saga step of a network that is still to be done outside any transaction (issue 15): the consumer records it in the
-- inbox transaction and commits; the network worker does the remote work and records the outcome in a new transaction.
-- step_seq grows with every recorded intent, so an outcome only clears the step it was started for.
ALTER TABLE network ADD COLUMN step varchar(32);
ALTER TABLE network ADD COLUMN step_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE network ADD COLUMN step_backend_host varchar(255);
ALTER TABLE network ADD COLUMN step_backend_port integer;
ALTER TABLE network ADD COLUMN step_since timestamptz;
CREATE INDEX network_pending_step ON network (step_since) WHERE step IS NOT NULL;
