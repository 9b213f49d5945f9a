-- Every API read is scoped to a workspace: its list (ordered by id) and its quota count.
CREATE INDEX instance_workspace ON instance (workspace_id, id);
