-- Several replicas of instance-service may run: the replica executing an instance's saga step holds a lease on it
-- (renewed while the step runs); another replica takes the step over only once the lease has lapsed.
ALTER TABLE instance ADD COLUMN step_owner varchar(200);
ALTER TABLE instance ADD COLUMN step_lease_until timestamptz;
