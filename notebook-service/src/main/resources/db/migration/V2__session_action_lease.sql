-- Replicas of notebook-service never work on one session at once: the replica carrying out a session's pending action (or
-- tracking URI hand-over) holds a lease on the session, renewed while the runtime works, taken over once it lapses.
ALTER TABLE notebook_session ADD COLUMN action_owner varchar(255);
ALTER TABLE notebook_session ADD COLUMN action_lease_until timestamptz;
