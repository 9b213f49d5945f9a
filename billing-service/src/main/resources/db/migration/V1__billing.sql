-- billing-service: the usage ledger, rated line items, billing periods and exports.

-- The ledger: every UsageMetered reading once, identified as CloudEvents identifies an event, by (source, id).
CREATE TABLE usage_event (
    source        varchar(255)   NOT NULL,
    event_id      varchar(255)   NOT NULL,
    meter_id      varchar(255)   NOT NULL,
    workspace_id  varchar(64)    NOT NULL,
    subject_type  varchar(32)    NOT NULL,
    subject_id    varchar(255)   NOT NULL,
    resource_type varchar(32)    NOT NULL,
    spec          varchar(64)    NOT NULL,
    unit          varchar(32)    NOT NULL,
    window_start  timestamptz    NOT NULL,
    window_end    timestamptz    NOT NULL,
    quantity      numeric(24, 6) NOT NULL,
    metered_at    timestamptz    NOT NULL,
    received_at   timestamptz    NOT NULL DEFAULT now(),
    -- false while part of it has no SKU or price in force (counted; rated when the catalogue covers it)
    rated         boolean        NOT NULL,
    PRIMARY KEY (source, event_id)
);
CREATE INDEX usage_event_unrated ON usage_event (received_at) WHERE NOT rated;

-- Rated charges, never updated: one per reading and UTC hour; a late reading for a closed period is a Correction
-- line of the next open period.
CREATE TABLE line_item (
    id                  uuid           PRIMARY KEY,
    workspace_id        varchar(64)    NOT NULL,
    billing_period      date           NOT NULL,
    charge_period_start timestamptz    NOT NULL,
    charge_period_end   timestamptz    NOT NULL,
    charge_class        varchar(16),
    sku_id              varchar(64)    NOT NULL,
    price_version_id    varchar(128)   NOT NULL,
    service_name        varchar(128)   NOT NULL,
    description         varchar(255)   NOT NULL,
    resource_id         varchar(255)   NOT NULL,
    resource_type       varchar(64)    NOT NULL,
    spec                varchar(64)    NOT NULL,
    quantity            numeric(24, 6) NOT NULL,
    unit                varchar(32)    NOT NULL,
    unit_price          numeric(20, 6) NOT NULL,
    cost                numeric(32, 12) NOT NULL,
    currency            char(3)        NOT NULL,
    source              varchar(255)   NOT NULL,
    event_id            varchar(255)   NOT NULL,
    created_at          timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX line_item_period ON line_item (workspace_id, billing_period);
CREATE INDEX line_item_charge ON line_item (workspace_id, charge_period_start);

-- A workspace's billing periods (months, UTC): OPEN until closed, then its statement is final.
CREATE TABLE billing_period (
    workspace_id varchar(64)    NOT NULL,
    period_start date           NOT NULL,
    status       varchar(16)    NOT NULL DEFAULT 'OPEN',
    closed_at    timestamptz,
    closed_by    varchar(255),
    total        numeric(24, 2),
    line_count   bigint,
    version      bigint         NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, period_start)
);

-- FOCUS exports: one per workspace and billing period each time it is asked for (on demand or by the schedule).
CREATE TABLE billing_export (
    id           varchar(64)    PRIMARY KEY,
    workspace_id varchar(64)    NOT NULL,
    period_start date           NOT NULL,
    status       varchar(16)    NOT NULL,
    trigger_kind varchar(16)    NOT NULL,
    formats      varchar(64)    NOT NULL,
    requested_by varchar(255),
    requested_at timestamptz    NOT NULL,
    started_at   timestamptz,
    completed_at timestamptz,
    attempts     int            NOT NULL DEFAULT 0,
    location     varchar(1024),
    row_count    bigint,
    manifest     text,
    error        varchar(1024),
    version      bigint         NOT NULL DEFAULT 0
);
CREATE INDEX billing_export_ws ON billing_export (workspace_id, requested_at DESC);
CREATE INDEX billing_export_queue ON billing_export (requested_at) WHERE status = 'REQUESTED';
