-- How clients authenticate at the instance's load balancer (network | token), and the SHA-256 of the secret the load
-- balancer adds toward the tracking server (from NetworkProvisioned; the tracking server is told it at every start).
ALTER TABLE instance ADD COLUMN auth_mode varchar(16) NOT NULL DEFAULT 'network';
ALTER TABLE instance ADD COLUMN backend_auth_digest varchar(64);
