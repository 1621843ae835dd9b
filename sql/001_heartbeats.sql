-- Readings that passed validation: one row per (customer, event time), partitioned by UTC day.
CREATE TABLE heartbeats (
  customer_id     text        NOT NULL CHECK (char_length(customer_id) BETWEEN 1 AND 64),
  event_time      timestamptz NOT NULL,
  heart_rate      smallint    NOT NULL CHECK (heart_rate BETWEEN 20 AND 250),
  level           text        NOT NULL CHECK (level IN ('critical_low', 'low', 'normal', 'elevated', 'high', 'critical_high')),
  late            boolean     NOT NULL DEFAULT false,
  ingested_at     timestamptz NOT NULL DEFAULT now(),
  kafka_partition integer,
  kafka_offset    bigint,
  -- Makes redelivery idempotent (INSERT ... ON CONFLICT DO NOTHING) and serves per-customer
  -- time ranges; it includes event_time, the partition key, as PostgreSQL requires.
  CONSTRAINT heartbeats_pkey PRIMARY KEY (customer_id, event_time)
) PARTITION BY RANGE (event_time);

-- Append-only time series: a BRIN index is tiny and serves time-range scans within a day.
CREATE INDEX heartbeats_event_time_brin ON heartbeats USING brin (event_time);

-- Catches readings of days that have no partition yet (far past, far future), so no insert ever
-- fails for lack of one. heartbeat_ensure_partition moves such rows when it creates their day.
CREATE TABLE heartbeats_default PARTITION OF heartbeats DEFAULT;

COMMENT ON TABLE heartbeats IS 'Valid heart-rate readings, partitioned by UTC day (heartbeats_pYYYYMMDD) with a default partition.';
