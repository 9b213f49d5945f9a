-- The name a bill shows for a resource (an MLflow instance, a notebook session): the subject name of its newest usage
-- reading. Names can change; the resource id is what line items and exports key on, the name is for people.
CREATE TABLE resource_name (
    workspace_id varchar(64)  NOT NULL,
    resource_id  varchar(255) NOT NULL,
    name         varchar(128) NOT NULL,
    named_at     timestamptz  NOT NULL,
    PRIMARY KEY (workspace_id, resource_id)
);
