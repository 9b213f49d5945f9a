-- Resize (a spec change of a running instance, rolled out beside the serving tracking server):
-- pending_spec is the spec asked for while it is not in effect yet; successor_port the port of the new tracking server
-- while the load balancer has not switched to it (the serving one stays on backend_port until then).
ALTER TABLE instance ADD COLUMN pending_spec varchar(64);
ALTER TABLE instance ADD COLUMN successor_port integer;
-- The spec each usage window was metered at (a resize switches it mid-hour); null for readings made before this column.
ALTER TABLE usage_reading ADD COLUMN spec varchar(64);
