-- What the live dashboard and the alerts need: a per-minute rollup of readings, an index for the
-- newest anomalies, and the alert state of each anomaly.

-- Readings per minute, level and 10-bpm bucket, maintained by the batch writer in the same
-- statement as the readings (only rows actually inserted are counted, so a redelivered batch adds
-- nothing). The dashboard's rate, level-share and distribution charts read this table: a few
-- dozen rows per minute instead of a scan of the raw readings.
CREATE TABLE heartbeat_minutes (
  minute     timestamptz NOT NULL,
  -- 'unclassified' when no enabled plugin sets the level.
  level      text        NOT NULL,
  -- Lower bound of the 10-bpm bucket: 20, 30, ..., 250.
  bpm_bucket smallint    NOT NULL,
  readings   bigint      NOT NULL,
  bpm_sum    bigint      NOT NULL,
  PRIMARY KEY (minute, level, bpm_bucket)
);

COMMENT ON TABLE heartbeat_minutes IS 'Readings per minute, level and 10-bpm bucket; maintained by the batch writer.';

-- The dashboard's live table of the latest anomalies: newest detection first.
CREATE INDEX anomalies_detected_at ON anomalies (detected_at DESC);

-- Alerts: an anomaly is published to the alerts topic once (or suppressed by the per-customer,
-- per-rule cool-down). NULL means not decided yet: after a crash between the write and the
-- publish, the redelivered batch finds it still NULL and publishes it (at least once).
ALTER TABLE anomalies ADD COLUMN alerted_at timestamptz;
ALTER TABLE anomalies ADD COLUMN alert_suppressed boolean;
-- Anomalies stored before alerting existed are not alerted now.
UPDATE anomalies SET alerted_at = detected_at, alert_suppressed = true WHERE alerted_at IS NULL;
-- Undecided alerts left by a crash whose redelivered chunk does not report them again (an episode
-- rule's state is lost with the worker): workers sweep these, so the index holds only a handful.
CREATE INDEX anomalies_alert_undecided ON anomalies (detected_at) WHERE alerted_at IS NULL;
