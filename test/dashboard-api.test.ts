// The dashboard's HTTP API against a real database filled by the real batch writer: every data
// endpoint returns what was stored (levels, distribution, latest anomalies, trends, rejects), the
// stream pushes snapshots and alerts, and the access check lets in only the token, whichever way
// it comes, never writing it to the logs. A dashboard bound beyond loopback refuses to start without one.
import { request } from 'node:http';
import { Writable } from 'node:stream';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChunkResult } from '../src/core/types.js';
import { checkDashboardConfig } from '../src/dashboard/access.js';
import { createLiveFeedFor } from '../src/dashboard/live-feed.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { AppError } from '../src/errors.js';
import { PipelineMetrics } from '../src/metrics/registry.js';
import { writeGroup } from '../src/store/group-writer.js';
import type { Alert } from '../src/worker/alerts.js';
import { createTestDatabase, openPool, testConfig, type TestDatabase } from './support/database.js';
import { sseEvents, type SseEvent } from './support/sse.js';

const NOW = Date.now();
const TOKEN = 'test-token-7f3a9c1e5b';

/** Readings of 3 customers over the last 5 minutes, two anomalies, three rejects. */
function batch(): ChunkResult {
  const rows: ChunkResult['rows'] = [];
  for (let i = 0; i < 60; i += 1) {
    for (const [c, bpm, level] of [['api-a', 62, 'normal'], ['api-b', 125, 'elevated'], ['api-c', 45, 'low']] as const) {
      rows.push({ customerId: c, eventTime: NOW - 300_000 + i * 5000, heartRate: bpm + (i % 3), level, late: false, partition: 0, offset: String(i) });
    }
  }
  return {
    rows,
    anomalies: [
      { customerId: 'api-b', eventTime: NOW - 60_000, rule: 'tachycardia', severity: 'warning', detail: { messageId: 'high', message: 'Heart rate above 110 bpm for 10 minutes while not active (peak 127 bpm)' }, episodeStart: NOW - 60_000 },
      { customerId: 'api-c', eventTime: NOW - 120_000, rule: 'bradycardia', severity: 'critical', detail: { messageId: 'low', message: 'Heart rate below 50 bpm for 10 minutes (lowest 45 bpm)' }, episodeStart: NOW - 120_000 },
    ],
    rejects: ['invalid_json', 'invalid_json', 'heart_rate_out_of_range'].map((reason, i) => ({
      raw: Buffer.from('{'), reason, detail: 'x', validator: 'parse', topic: 'readings', partition: 0, offset: String(i), receivedAt: NOW - 1000,
    })),
  };
}

/** A logger whose lines the test can read. */
function capturingLog() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** Reads server-sent events until `until` returns true for the collected events. */
async function readEvents(url: string, headers: Record<string, string>, until: (events: Array<{ event: string; data: any }>) => boolean, onOpen?: () => void) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  onOpen?.();
  const events: SseEvent[] = [];
  try {
    for await (const e of sseEvents(res.body as AsyncIterable<Uint8Array>)) {
      events.push(e);
      if (until(events)) break;
    }
  } finally {
    controller.abort();
  }
  return events;
}

describe('dashboard API', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let open: Dashboard;
  let guarded: Dashboard;
  const captured = capturingLog();

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = await openPool(db.url, 4);
    await pool.query(`SELECT heartbeat_ensure_partitions(current_date - 1, 3)`);
    await writeGroup(pool, batch());
    // Redelivered: the rollup must not count it twice.
    await writeGroup(pool, batch());
    const metrics = new PipelineMetrics(undefined);
    const base = { ...testConfig().dashboard, port: 0, pushIntervalMs: 200 };
    open = await startDashboard({ config: { ...base, host: '127.0.0.1', token: '' }, feed: createLiveFeedFor(pool, undefined, metrics), metrics, log: captured.log });
    // Bound beyond loopback, with its token (requests still come over loopback).
    guarded = await startDashboard({ config: { ...base, host: '0.0.0.0', token: TOKEN }, feed: createLiveFeedFor(pool, undefined, metrics), metrics, log: captured.log });
  });
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
    await pool?.end();
    await db?.drop();
  });

  it('serves the page and the charting library', async () => {
    const page = await fetch(open.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="chart-distribution"');
    const lib = await fetch(`${open.url}vendor/uplot.js`);
    expect(lib.status).toBe(200);
    expect((await lib.text()).length).toBeGreaterThan(10_000);
  });

  it('answers a malformed request path with a client error, not a server error', async () => {
    // fetch() normalises paths; a raw request sends them as typed ("//" is a common typo).
    const status = (path: string) => new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(open.url);
      request({ host: hostname, port, path }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject).end();
    });
    const before = captured.lines.length;
    expect(await status('//')).toBe(404);
    // Read as a path on the dashboard, not as a request for another host's /api/snapshot.
    expect(await status('//elsewhere.example/api/snapshot')).toBe(404);
    expect(await status('*')).toBe(400);
    expect(captured.lines.slice(before).filter((l) => l.includes('request failed'))).toEqual([]);
  });

  it('/api/snapshot returns what is stored: levels, distribution, latest anomalies, trends, rejects', async () => {
    const res = await fetch(`${open.url}api/snapshot`);
    expect(res.status).toBe(200);
    const s = (await res.json()) as any;
    // 60 readings per customer, written twice: counted once.
    expect(s.levels).toEqual({ normal: 60, elevated: 60, low: 60 });
    expect(Object.fromEntries(s.buckets)).toEqual({ 40: 60, 60: 60, 120: 60 });
    // Both detected in one statement (one detected_at): either order is newest first.
    expect(s.anomalies.map((a: any) => [a.customerId, a.rule, a.severity, a.message]).sort()).toEqual([
      ['api-b', 'tachycardia', 'warning', 'Heart rate above 110 bpm for 10 minutes while not active (peak 127 bpm)'],
      ['api-c', 'bradycardia', 'critical', 'Heart rate below 50 bpm for 10 minutes (lowest 45 bpm)'],
    ]);
    expect(Object.keys(s.trends).sort()).toEqual(['api-b', 'api-c']);
    expect(s.trends['api-b']).toHaveLength(60);
    expect(s.rejects).toEqual([{ reason: 'invalid_json', rejects: 2 }, { reason: 'heart_rate_out_of_range', rejects: 1 }]);
  });

  it('/api/customer returns one customer\'s heart rate in time order, and refuses a malformed id', async () => {
    const res = await fetch(`${open.url}api/customer?id=api-a`);
    const body = (await res.json()) as any;
    expect(body.id).toBe('api-a');
    expect(body.points).toHaveLength(60);
    expect(body.points[0]).toEqual([NOW - 300_000, 62]);
    const times = body.points.map((p: [number, number]) => p[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect((await fetch(`${open.url}api/customer?id=${encodeURIComponent("x' OR 1=1 --")}`)).status).toBe(400);
  });

  it('/api/stream pushes snapshots with the chosen customer, and each alert at once', async () => {
    const alert: Alert = {
      type: 'anomaly', id: '999', customerId: 'api-a', rule: 'tachycardia', severity: 'critical', eventTime: new Date(NOW).toISOString(),
      episodeStart: null, episodeEnd: null, detectedAt: new Date(NOW).toISOString(), message: 'Heart rate 210 bpm', detail: {},
    };
    // Its own dashboard whose timer pushes once a minute: an alert that waited for the next push
    // would arrive a minute late; one pushed at once comes within the (generous) limit below.
    const listeners = new Set<(a: Alert) => void>();
    const metrics = new PipelineMetrics(undefined);
    const slow = await startDashboard({
      config: { ...testConfig().dashboard, port: 0, pushIntervalMs: 60_000, host: '127.0.0.1', token: '' }, feed: createLiveFeedFor(pool, undefined, metrics), metrics, log: captured.log,
      onAlert: (l) => { listeners.add(l); return () => listeners.delete(l); },
    });
    let sentAt = 0;
    let receivedAt = 0;
    try {
      const events = await readEvents(`${slow.url}api/stream?customer=api-a`, {}, (ev) => {
        // The first picture has arrived: now the alert.
        if (sentAt === 0 && ev.some((e) => e.event === 'snapshot')) {
          sentAt = Date.now();
          for (const l of listeners) l(alert);
        }
        if (receivedAt === 0 && ev.some((e) => e.event === 'alert')) receivedAt = Date.now();
        return receivedAt > 0 && ev.filter((e) => e.event === 'snapshot').length >= 2;
      });
      const snapshots = events.filter((e) => e.event === 'snapshot');
      expect(snapshots[0]!.data.levels).toEqual({ normal: 60, elevated: 60, low: 60 });
      expect(events.find((e) => e.event === 'customer')!.data.points).toHaveLength(60);
      expect(events.find((e) => e.event === 'alert')!.data).toEqual(alert);
      // The alert itself comes first, then the snapshot refreshed for it (not the timer's).
      expect(events.map((e) => e.event).filter((e) => e !== 'customer')).toEqual(['snapshot', 'alert', 'snapshot']);
      expect(receivedAt - sentAt).toBeLessThan(10_000);
    } finally {
      await slow.stop();
    }
  });

  it('with a token: refuses requests without it, accepts Bearer, ?token= (then a cookie), and never logs it', async () => {
    for (const path of ['', 'api/snapshot', 'api/stream', 'metrics', 'app.js']) {
      expect((await fetch(`${guarded.url}${path}`)).status, path).toBe(401);
      expect((await fetch(`${guarded.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status, path).toBe(401);
    }
    expect((await fetch(`${guarded.url}api/snapshot?token=wrong`)).status).toBe(401);
    // Honoured on the page only: anywhere else it would stay in URLs and proxies' logs.
    for (const path of ['api/snapshot', 'api/stream', 'metrics', 'app.js']) expect((await fetch(`${guarded.url}${path}?token=${TOKEN}`)).status, path).toBe(401);
    expect((await fetch(`${guarded.url}api/snapshot`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${guarded.url}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // The page opened once with ?token=: a session cookie, and a redirect that drops the token from the URL.
    const first = await fetch(`${guarded.url}?token=${TOKEN}&customer=api-a`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/?customer=api-a');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0]!;
    expect((await fetch(`${guarded.url}api/snapshot`, { headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(`${guarded.url}api/snapshot`, { headers: { cookie: `${session}x` } })).status).toBe(401);
    expect((await fetch(`${guarded.url}healthz`)).status).toBe(200);
    expect(captured.lines.join('\n')).not.toContain(TOKEN);
    expect(captured.lines.some((l) => l.includes('"tokenRequired":true'))).toBe(true);
  });

  it('refuses to serve beyond loopback without a token', async () => {
    const config = { ...testConfig().dashboard, port: 0, token: '' };
    for (const host of ['0.0.0.0', '192.168.1.10', '::']) {
      let error: unknown;
      try {
        checkDashboardConfig({ ...config, host });
      } catch (err) {
        error = err;
      }
      expect(error, host).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('CONFIG_INVALID');
    }
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(() => checkDashboardConfig({ ...config, host })).not.toThrow();
  });
});
