-- Views the dashboard reads.

-- Latest reading per customer among the readings of the last hour. The window keeps the query to
-- the newest partition(s) (runtime partition pruning on now()) instead of the whole history.
CREATE VIEW recent_heartbeats AS
SELECT DISTINCT ON (customer_id)
       customer_id, event_time, heart_rate, level, late, ingested_at
FROM heartbeats
WHERE event_time >= now() - interval '1 hour'
ORDER BY customer_id, event_time DESC;

COMMENT ON VIEW recent_heartbeats IS 'Latest reading per customer within the last hour.';

-- Critical anomalies, newest first (served by the partial index anomalies_critical_time).
CREATE VIEW critical_anomalies AS
SELECT id, customer_id, event_time, rule, severity, detail, detected_at, episode_start, episode_end
FROM anomalies
WHERE severity = 'critical'
ORDER BY event_time DESC;
