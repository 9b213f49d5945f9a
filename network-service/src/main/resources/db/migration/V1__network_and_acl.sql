-- The network of each MLflow instance: its load balancer, listener and ACL, and where it forwards to.
CREATE TABLE network (
    instance_id          varchar(128) PRIMARY KEY,
    workspace_id         varchar(128) NOT NULL,
    vpc_id               varchar(128),
    vswitch_id           varchar(128),
    secondary_vswitch_id varchar(128),
    zone_ids             varchar(512),
    security_group_id    varchar(128),
    load_balancer_id     varchar(128),
    listener_id          varchar(128),
    acl_id               varchar(128),
    server_group_id      varchar(128),
    vpc_address          varchar(64),
    vpc_port             integer,
    backend_host         varchar(255),
    backend_port         integer,
    status               varchar(16)  NOT NULL,
    failure_code         varchar(64),
    failure_message      varchar(1024),
    created_at           timestamptz  NOT NULL,
    updated_at           timestamptz  NOT NULL
);
CREATE UNIQUE INDEX network_load_balancer_id ON network (load_balancer_id) WHERE load_balancer_id IS NOT NULL;
CREATE INDEX network_workspace ON network (workspace_id, created_at);

-- White-list entries of an instance's ACL, canonical CIDR text (host bits cleared, /32 or /128 for one address).
CREATE TABLE acl_entry (
    instance_id varchar(128) NOT NULL REFERENCES network (instance_id) ON DELETE CASCADE,
    cidr        varchar(64)  NOT NULL,
    description varchar(256),
    created_at  timestamptz  NOT NULL,
    PRIMARY KEY (instance_id, cidr)
);
