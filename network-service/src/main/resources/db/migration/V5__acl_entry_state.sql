-- Issue 15: an ACL change is recorded first and told to the load balancer after the commit, outside any transaction.
-- state says where an entry stands at the load balancer: ACTIVE (enforced; every entry written before this column),
-- ADDING (recorded, not yet confirmed added) or REMOVING (recorded as removed, still enforced until confirmed gone;
-- the row is deleted then).
ALTER TABLE acl_entry ADD COLUMN state varchar(16) NOT NULL DEFAULT 'ACTIVE';
CREATE INDEX acl_entry_pending ON acl_entry (instance_id) WHERE state <> 'ACTIVE';
