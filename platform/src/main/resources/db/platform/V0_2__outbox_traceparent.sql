-- The W3C trace context (traceparent) of the transaction that wrote the event, when it ran inside a trace: the relay
-- carries it into the Kafka record's headers, so a consumer's handling continues the producer's trace. Null otherwise.
-- (A platform migration numbered below the services' own: services run Flyway with out-of-order, see platform/README.md.)
ALTER TABLE outbox_event ADD COLUMN traceparent varchar(55);
