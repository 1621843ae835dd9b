-- Every message that failed validation, kept as received with the reason it was refused.
CREATE TABLE rejected_readings (
  id              bigserial   PRIMARY KEY,
  -- The message value as received; NULL for a Kafka message without a value (tombstone).
  raw             bytea,
  reason          text        NOT NULL CHECK (reason <> ''),
  validator       text        NOT NULL CHECK (validator <> ''),
  topic           text        NOT NULL,
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  -- One message, one reject: a redelivered message is not stored twice.
  CONSTRAINT rejected_readings_once UNIQUE (topic, kafka_partition, kafka_offset)
);

CREATE INDEX rejected_readings_received_at ON rejected_readings (received_at);
CREATE INDEX rejected_readings_reason ON rejected_readings (reason, received_at);
