-- The per-minute rollup gets one row per Kafka partition as well. Every batch writer updates the
-- rows of the minutes it wrote; keyed by (minute, level, bucket) alone, all writers of a live
-- stream (2 workers x 3 partitions at once) updated the same few rows of the current minute and
-- waited on each other's row locks until commit. A partition is written by one transaction at a
-- time, so with the partition in the key no two writers ever touch the same row. Readers already
-- sum over the key; the table holds at most one row per partition more per minute and bucket.
ALTER TABLE heartbeat_minutes ADD COLUMN kafka_partition integer NOT NULL DEFAULT 0;
ALTER TABLE heartbeat_minutes DROP CONSTRAINT heartbeat_minutes_pkey;
ALTER TABLE heartbeat_minutes ADD PRIMARY KEY (minute, level, bpm_bucket, kafka_partition);
