-- Anomalies the rule plugins report, one row per (customer, rule, event time).
CREATE TABLE anomalies (
  id            bigserial   PRIMARY KEY,
  customer_id   text        NOT NULL CHECK (char_length(customer_id) BETWEEN 1 AND 64),
  event_time    timestamptz NOT NULL,
  rule          text        NOT NULL CHECK (char_length(rule) BETWEEN 1 AND 128),
  severity      text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  detail        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  detected_at   timestamptz NOT NULL DEFAULT now(),
  episode_start timestamptz,
  episode_end   timestamptz,
  CONSTRAINT anomalies_episode_order CHECK (episode_end IS NULL OR episode_start IS NULL OR episode_end >= episode_start),
  -- A redelivered reading yields the same anomaly again: ON CONFLICT DO NOTHING keeps one.
  CONSTRAINT anomalies_once UNIQUE (customer_id, rule, event_time)
);

CREATE INDEX anomalies_customer_time ON anomalies (customer_id, event_time);
CREATE INDEX anomalies_event_time ON anomalies (event_time);
-- The dashboard's list of critical anomalies, newest first.
CREATE INDEX anomalies_critical_time ON anomalies (event_time DESC) WHERE severity = 'critical';
