// /metrics of the real app against what it stored: known readings, rejects and an anomaly (a
// 10-minute tachycardia episode at rest, then recovery) go
// through the real broker and `consume`; the scraped counters equal the database's counts
// (readings stored, rejects by reason, anomalies by rule), the histograms saw every group and
// reading, lag drops to 0 on every partition, and both workers are up with no restart.
import { describe, expect, it } from 'vitest';
import { byLabel, scrapeUntil } from './support/metrics.js';
import { explainFailure, publish, readingMessage, useDashboardApp, waitForCounts } from './support/pipeline.js';

describe('/metrics', () => {
  const fixture = useDashboardApp('metrics', { DASHBOARD_LAG_INTERVAL_MS: '500' });

  it('counts what the database holds', async () => {
    const { pool, names, app } = fixture;
    const url = `${fixture.baseUrl}metrics`;
    const t0 = Date.now() - 600_000;
    const good = Array.from({ length: 300 }, (_, i) => readingMessage(`met-${i % 10}`, t0 + i * 1000, 70 + (i % 5)));
    const bad = [
      ...Array.from({ length: 7 }, (_, i) => ({ key: `bad-${i}`, value: '{"customer_id": ' })),
      ...Array.from({ length: 5 }, (_, i) => readingMessage(`met-${i}`, t0 + 400_000 + i, 300)),
    ];
    // 215 bpm at rest every 10 s for 10 minutes (61 readings), then 80 bpm: one episode, one row.
    // Before the other readings, and sent first: a partition's later event times would make it late.
    const episode = [
      ...Array.from({ length: 61 }, (_, i) => readingMessage('met-spike', t0 - 640_000 + i * 10_000, 215, { activity: 'rest' })),
      readingMessage('met-spike', t0 - 30_000, 80, { activity: 'rest' }),
    ];
    const stored = good.length + episode.length, consumed = stored + bad.length;
    await publish(names.topic, [...episode, ...good, ...bad]);
    await explainFailure(app, waitForCounts(pool, { heartbeats: stored, rejected_readings: 12, "anomalies WHERE rule = 'tachycardia'": 1 }));

    const samples = await explainFailure(app, scrapeUntil(url, (s) => s.get('heartbeat_readings_consumed_total') === consumed
      && Object.values(byLabel(s, 'heartbeat_consumer_lag', 'partition')).reduce((a, b) => a + b, 0) === 0));

    const dbCount = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
    expect(samples.get('heartbeat_readings_stored_total')).toBe(await dbCount('SELECT count(*) AS n FROM heartbeats'));
    const rejects = await pool.query<{ reason: string; n: string }>('SELECT reason, count(*) AS n FROM rejected_readings GROUP BY reason');
    expect(byLabel(samples, 'heartbeat_readings_rejected_total', 'reason')).toEqual(Object.fromEntries(rejects.rows.map((r) => [r.reason, Number(r.n)])));
    const anomalies = await pool.query<{ rule: string; n: string }>('SELECT rule, count(*) AS n FROM anomalies GROUP BY rule');
    expect(anomalies.rows.length).toBeGreaterThan(0);
    const counted = byLabel(samples, 'heartbeat_anomalies_total', 'rule');
    for (const r of anomalies.rows) expect(counted[r.rule], r.rule).toBe(Number(r.n));
    // The episode is the only new anomaly for its customer and rule: one alert.
    expect(samples.get('heartbeat_alerts_published_total')).toBe(await dbCount('SELECT count(*) AS n FROM anomalies WHERE alert_suppressed = false'));

    // Histograms: every group and every stored reading observed once.
    const groups = samples.get('heartbeat_group_size_count')!;
    expect(groups).toBeGreaterThan(0);
    expect(samples.get('heartbeat_group_size_sum')).toBe(consumed);
    expect(samples.get('heartbeat_write_latency_seconds_count')).toBe(groups);
    expect(samples.get('heartbeat_end_to_end_latency_seconds_count')).toBe(stored);
    // Readings up to 10 minutes old: their end-to-end latency is at least that.
    expect(samples.get('heartbeat_end_to_end_latency_seconds_sum')! / stored).toBeGreaterThan(60);

    expect(Object.keys(byLabel(samples, 'heartbeat_consumer_lag', 'partition')).sort()).toEqual(['0', '1', '2', '3']);
    expect(byLabel(samples, 'heartbeat_worker_up', 'worker')).toEqual({ 0: 1, 1: 1 });
    expect(samples.get('heartbeat_worker_restarts_total')).toBe(0);
    expect(samples.get('heartbeat_process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
