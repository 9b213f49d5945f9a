-- Webhooks on registry and prompt events. The signing secret is stored encrypted (AES-GCM, see
-- WebhookSecrets); webhook_settings keeps a generated key when the operator configures none.
CREATE TABLE webhooks (
    webhook_id             VARCHAR(36)   PRIMARY KEY,
    name                   VARCHAR(63)   NOT NULL,
    description            VARCHAR(1000),
    url                    VARCHAR(2000) NOT NULL,
    secret_encrypted       TEXT,
    status                 VARCHAR(20)   NOT NULL DEFAULT 'ACTIVE',
    creation_timestamp     BIGINT        NOT NULL,
    last_updated_timestamp BIGINT        NOT NULL,
    CONSTRAINT webhooks_status_chk CHECK (status IN ('ACTIVE', 'DISABLED'))
);
CREATE INDEX webhooks_created_idx ON webhooks (creation_timestamp DESC, webhook_id);

CREATE TABLE webhook_events (
    webhook_id VARCHAR(36) NOT NULL REFERENCES webhooks (webhook_id) ON DELETE CASCADE,
    entity     VARCHAR(50) NOT NULL,
    action     VARCHAR(20) NOT NULL,
    PRIMARY KEY (webhook_id, entity, action)
);
CREATE INDEX webhook_events_event_idx ON webhook_events (entity, action, webhook_id);

CREATE TABLE webhook_settings (
    key   VARCHAR(100) PRIMARY KEY,
    value TEXT         NOT NULL
);
