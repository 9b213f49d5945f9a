-- Hibernate ORM's optimistic lock (@Version) on the rows two writers can meet: a network (the saga's consumer, the network
-- worker's outcomes, the API's auth and token changes through LoadBalancerSync, the reconciler) and an ACL entry (the API
-- adding or removing it, LoadBalancerSync confirming it). A write based on a stale read changes no row and is retried or
-- answered 409 CONCURRENT_CHANGE, instead of overwriting the other writer's change. Replaces the SELECT ... FOR UPDATE
-- row locks the transitions took.
ALTER TABLE network ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE acl_entry ADD COLUMN version bigint NOT NULL DEFAULT 0;
