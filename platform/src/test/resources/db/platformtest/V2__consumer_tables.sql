-- What the test consumer handled, in order (ConsumerIT).
CREATE TABLE test_consumed (seq bigserial PRIMARY KEY, instance_id varchar(64) NOT NULL, name varchar(255) NOT NULL);
