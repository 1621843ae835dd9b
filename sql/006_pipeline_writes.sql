-- What the batch writer needs beyond the first schema.

-- A reject's human-readable explanation, next to its stable reason code.
ALTER TABLE rejected_readings ADD COLUMN detail text;

-- A deployment may disable the `level` plugin; its readings are still stored, unclassified.
-- (The CHECK on level still holds for every classified reading.)
ALTER TABLE heartbeats ALTER COLUMN level DROP NOT NULL;
