-- The password of each tracking database's login role, sealed (AES-GCM under the service's master key, or a KMS) and bound
-- to the database name: never stored in clear. A role without a row (made when passwords were derived from a shared
-- secret) gets a new random password the next time its tracking server starts.
CREATE TABLE tracking_db_credential (
    database    varchar(63)  PRIMARY KEY,
    sealed      text         NOT NULL,
    created_at  timestamptz  NOT NULL,
    rotated_at  timestamptz  NOT NULL
);
