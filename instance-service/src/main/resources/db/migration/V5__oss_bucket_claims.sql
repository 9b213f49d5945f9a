-- An OSS bucket belongs to the first workspace that uses it for an instance's artifact root. The claim outlives the
-- instances (their artifacts stay in the bucket after a release): another workspace can never put an instance on a
-- bucket that holds this workspace's models. An operator frees a bucket by deleting its row.
CREATE TABLE oss_bucket_claim (
    bucket       varchar(63)  PRIMARY KEY,
    workspace_id varchar(128) NOT NULL,
    instance_id  varchar(64)  NOT NULL,
    claimed_at   timestamptz  NOT NULL
);

-- live instances by bucket, for the root-overlap check at create
CREATE INDEX instance_oss_bucket ON instance (oss_bucket) WHERE status <> 'RELEASED';
