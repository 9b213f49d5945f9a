-- Platform tables shared by every service. Services keep their own migrations at V1 and above.

-- Transactional outbox: a row per event, inserted in the same transaction as the state change.
-- Debezium streams inserts of this table (publication below) and the EventRouter routes them to Kafka.
CREATE TABLE outbox_event (
    id            uuid         PRIMARY KEY,
    aggregatetype varchar(255) NOT NULL,
    aggregateid   varchar(255) NOT NULL,
    type          varchar(255) NOT NULL,
    source        varchar(255) NOT NULL,
    occurred_at   timestamptz  NOT NULL,
    specversion   varchar(8)   NOT NULL DEFAULT '1.0',
    payload       jsonb        NOT NULL
);
CREATE INDEX outbox_event_occurred_at ON outbox_event (occurred_at);

-- Only inserts are published, so pruning relayed rows never produces events.
CREATE PUBLICATION dms_outbox FOR TABLE outbox_event WITH (publish = 'insert');

-- Consumer-side dedupe: a row per (consumer, event id), written in the handler's own transaction.
CREATE TABLE inbox_event (
    consumer     varchar(255) NOT NULL,
    event_id     varchar(255) NOT NULL,
    processed_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Where the relay stopped reading the write-ahead log, so a restart resumes there.
CREATE TABLE relay_offset (
    relay_name varchar(255) NOT NULL,
    offset_key bytea        NOT NULL,
    offset_val bytea,
    updated_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (relay_name, offset_key)
);
