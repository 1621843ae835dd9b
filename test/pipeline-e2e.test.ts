// The whole pipeline as a user runs it: known readings (every scenario case plus plain traffic)
// go through the real broker and the real `consume` app into PostgreSQL, with each outcome checked:
// stored once with its level and anomalies, or rejected with its reason in the table AND on the
// dead-letter topic with the original bytes; a 10-minute episode (tachycardia at rest, bradycardia)
// becomes one anomaly row spanning it. Also `heartbeat scenario`: publishes and prints them.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { scenarioCases, type ExpectedOutcome } from '../src/simulator/scenario.js';
import { runCli, type RunningApp } from './support/app.js';
import {
  count, usePipeline, publish, readingMessage, readTopicToEnd, runCommand, waitForCounts, type PipelineNames, type ReadMessage,
} from './support/pipeline.js';

/** A message whose outcome the test knows. */
interface KnownCase {
  name: string;
  key: string;
  value: Buffer;
  expected: ExpectedOutcome;
}

const MINUTE = 60_000;

/**
 * `customer` at rest at `bpm` every 10 s for 10 minutes from `start` (61 readings), then 70 bpm:
 * one episode, from the first reading to the last at `bpm`.
 */
function episode(customer: string, start: number, bpm: number) {
  const rest = { activity: 'rest' };
  return [...Array.from({ length: 61 }, (_, i) => readingMessage(customer, start + i * 10_000, bpm, rest)), readingMessage(customer, start + 610_000, 70, rest)];
}

/** Event time and heart rate of a well-formed reading, as the device sent it. */
function fieldsOf(value: Buffer): { eventTime: number; heartRate: number } {
  const doc = JSON.parse(value.toString('utf8')) as { timestamp: string | number; heart_rate: number };
  return { eventTime: typeof doc.timestamp === 'number' ? doc.timestamp : Date.parse(doc.timestamp), heartRate: doc.heart_rate };
}

/** Starts `consume` and waits until its workers are up. */
async function startConsumer(names: PipelineNames): Promise<RunningApp> {
  const app = runCli(['consume'], names.env);
  await app.waitForLog((l) => l.msg === 'workers consuming');
  return app;
}

/** Stops the app and checks it ended cleanly: exit 0, no worker restarted; returns the workers' summed final counters. */
async function stopCleanly(app: RunningApp, workers = 2): Promise<Record<'consumed' | 'stored' | 'rejected', number>> {
  expect(await app.stop('SIGTERM')).toBe(0);
  expect(app.lines.filter((l) => String(l.msg).startsWith('worker failed'))).toEqual([]);
  expect(app.lines.filter((l) => l.msg === 'pipeline stats').at(-1)).toMatchObject({ restarts: 0 });
  // Each worker logs its own final counters as it stops.
  const stopped = app.lines.filter((l) => l.msg === 'worker stopped');
  expect(stopped).toHaveLength(workers);
  const sum = (k: string) => stopped.reduce((n, l) => n + Number(l[k]), 0);
  return { consumed: sum('consumed'), stored: sum('stored'), rejected: sum('rejected') };
}

/**
 * Checks every case's outcome: stored rows (level, late, exactly the expected anomalies for its
 * customer) or rejects (reason in rejected_readings, and a dead-letter copy with the original
 * key, bytes, reason and origin). Collects every mismatch, so one run shows them all.
 */
async function expectOutcomes(pool: pg.Pool, topic: string, cases: KnownCase[], dlq: ReadMessage[]): Promise<void> {
  const rejectedRows = await pool.query<{ hex: string; reason: string; validator: string; topic: string; kafka_partition: number; kafka_offset: string }>(
    `SELECT encode(raw, 'hex') AS hex, reason, validator, topic, kafka_partition, kafka_offset::text FROM rejected_readings`);
  const dlqByOrigin = new Map(dlq.map((m) => [`${m.headers['x-source-partition']}:${m.headers['x-source-offset']}`, m]));
  const problems: string[] = [];
  const check = (name: string, what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${name}: ${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  for (const c of cases) {
    if (c.expected.outcome === 'stored') {
      const { eventTime, heartRate } = fieldsOf(c.value);
      const { rows } = await pool.query(`SELECT heart_rate, level, late FROM heartbeats WHERE customer_id = $1 AND event_time = $2`, [c.key, new Date(eventTime)]);
      check(c.name, 'stored row', rows, [{ heart_rate: heartRate, level: c.expected.level, late: false }]);
      const anomalies = await pool.query<{ rule: string; t: Date }>(`SELECT rule, event_time AS t FROM anomalies WHERE customer_id = $1 ORDER BY rule`, [c.key]);
      check(c.name, 'anomalies', anomalies.rows.map((a) => [a.rule, a.t.getTime()]), [...c.expected.anomalies].sort().map((rule) => [rule, eventTime]));
    } else {
      const matches = rejectedRows.rows.filter((r) => r.hex === c.value.toString('hex'));
      check(c.name, 'rejects (reason, topic)', matches.map((r) => [r.reason, r.topic]), [[c.expected.reason, topic]]);
      if (matches.length !== 1) continue;
      const copy = dlqByOrigin.get(`${matches[0]!.kafka_partition}:${matches[0]!.kafka_offset}`);
      check(c.name, 'dead-letter copy (key, value, reason, validator, topic)',
        copy && [copy.key?.toString(), copy.value?.toString('hex'), copy.headers['x-reject-reason'], copy.headers['x-reject-validator'], copy.headers['x-source-topic']],
        [c.key, c.value.toString('hex'), c.expected.reason, matches[0]!.validator, topic]);
      if (copy !== undefined && !(copy.headers['x-reject-detail']!.length > 0)) problems.push(`${c.name}: dead-letter copy has no x-reject-detail`);
    }
  }
  expect(problems).toEqual([]);
  // Nothing else was stored for these customers.
  const keys = [...new Set(cases.map((c) => c.key))];
  const storedCases = cases.filter((c) => c.expected.outcome === 'stored').length;
  expect(await count(pool, 'SELECT count(*) FROM heartbeats WHERE customer_id = ANY($1)', [keys])).toBe(storedCases);
}

describe('the pipeline, end to end', () => {
  const fixture = usePipeline('e2e');

  it('stores every valid reading once with its level and anomalies, and keeps every bad one with its reason in the table and the dead-letter topic', async () => {
    const { pool, names } = fixture;
    const base = Date.now() - 10 * MINUTE;
    const cases: KnownCase[] = scenarioCases(base);
    // Plain traffic after the cases: 40 customers, one normal reading every 5 s for ~3 minutes.
    const plain = Array.from({ length: 1600 }, (_, i) => {
      const customer = `PLAIN-${String(i % 40).padStart(3, '0')}`;
      return { customer, eventTime: base + MINUTE + Math.floor(i / 40) * 5000 + (i % 40), heartRate: 60 + ((i * 7) % 41) };
    });
    // Episodes that end before the cases start: sent first, they make none of them late.
    const episodeStart = base - 11 * MINUTE;
    const episodes = [...episode('EPISODE-HIGH', episodeStart, 130), ...episode('EPISODE-LOW', episodeStart, 45)];
    const rejectedCases = cases.filter((c) => c.expected.outcome === 'rejected');
    expect(rejectedCases.length).toBeGreaterThan(0);
    expect(cases.length - rejectedCases.length).toBeGreaterThan(0);

    // gzip both ways (readings in, dead-letter copies out), as with kafka.compression=gzip over a
    // slow link; the other tests run the default, none.
    const app = await startConsumer({ ...names, env: { ...names.env, KAFKA_COMPRESSION: 'gzip' } });
    try {
      await publish(names.topic, [
        ...episodes,
        ...cases.map((c) => ({ key: c.key, value: c.value })),
        ...plain.map((p, i) => readingMessage(p.customer, p.eventTime, p.heartRate, i % 3 === 0 ? { activity: 'rest' } : {})),
      ], { compression: 'gzip' });
      const validCount = cases.length - rejectedCases.length + plain.length + episodes.length;
      await waitForCounts(pool, { heartbeats: validCount, rejected_readings: rejectedCases.length });
      const stats = await stopCleanly(app);
      expect(stats).toEqual({ consumed: cases.length + plain.length + episodes.length, stored: validCount, rejected: rejectedCases.length });
    } finally {
      await app.stop('SIGKILL');
    }

    const dlq = await readTopicToEnd(names.dlq);
    expect(dlq).toHaveLength(rejectedCases.length);
    await expectOutcomes(pool, names.topic, cases, dlq);
    // The plain readings: each exactly once, as sent, classified normal.
    const { rows } = await pool.query<{ customer_id: string; ms: string; heart_rate: number; level: string }>(
      `SELECT customer_id, (extract(epoch FROM event_time) * 1000)::bigint::text AS ms, heart_rate, level FROM heartbeats WHERE customer_id LIKE 'PLAIN-%' ORDER BY 1, 2`);
    const expected = plain.map((p) => ({ customer_id: p.customer, ms: String(p.eventTime), heart_rate: p.heartRate, level: 'normal' }))
      .sort((a, b) => a.customer_id.localeCompare(b.customer_id) || Number(a.ms) - Number(b.ms));
    expect(rows).toEqual(expected);
    // Each episode: one row, at its start, ended at its last reading beyond the threshold.
    const found = await pool.query<{ customer_id: string; rule: string; severity: string; start: string; end: string | null }>(
      `SELECT customer_id, rule, severity, (extract(epoch FROM event_time) * 1000)::bigint::text AS start,
              (extract(epoch FROM episode_end) * 1000)::bigint::text AS end FROM anomalies WHERE customer_id LIKE 'EPISODE-%' ORDER BY 1, 2`);
    const span = { start: String(episodeStart), end: String(episodeStart + 600_000) };
    expect(found.rows).toEqual([
      { customer_id: 'EPISODE-HIGH', rule: 'tachycardia', severity: 'warning', ...span },
      { customer_id: 'EPISODE-LOW', rule: 'bradycardia', severity: 'warning', ...span },
    ]);
  });
});

describe('heartbeat scenario', () => {
  const fixture = usePipeline('scenario');

  it('publishes the scenario cases, prints each with its expected outcome, and the running app gives exactly those outcomes', async () => {
    const { pool, names } = fixture;
    const app = await startConsumer(names);
    let printed: KnownCase[];
    try {
      const run = await runCommand(['scenario'], names.env);
      expect(run.code, run.stderr).toBe(0);
      // "<name>  <key>  <expected>" then the value on the next line, indented.
      const text = run.stdout.split('\n').filter((l) => !l.startsWith('{"level"'));
      const header = text.findIndex((l) => l.startsWith('Published '));
      expect(text[header]).toBe(`Published ${scenarioCases(0).length} scenario messages to ${names.topic}:`);
      printed = [];
      for (let i = header + 1; i + 1 < text.length; i += 2) {
        const m = /^(\S+)\s+(\S+)\s+(stored, level (\w+)(?:, anomalies: (.+))?|rejected: (\S+))$/.exec(text[i]!);
        expect(m, text[i]).not.toBeNull();
        const expected: ExpectedOutcome = m![6] !== undefined ? { outcome: 'rejected', reason: m![6] }
          : { outcome: 'stored', level: m![4] as 'normal', anomalies: m![5]?.split(', ') ?? [] };
        printed.push({ name: m![1]!, key: m![2]!, expected, value: Buffer.from(text[i + 1]!.replace(/^ {4}/, ''), 'utf8') });
      }
      // What it prints is the scenario catalogue.
      expect(printed.map(({ name, key, expected }) => ({ name, key, expected })))
        .toEqual(scenarioCases(0).map(({ name, key, expected }) => ({ name, key, expected })));

      const rejected = printed.filter((c) => c.expected.outcome === 'rejected').length;
      await waitForCounts(pool, { heartbeats: printed.length - rejected, rejected_readings: rejected });
      await stopCleanly(app);
    } finally {
      await app.stop('SIGKILL');
    }
    // What it printed is byte for byte what it published.
    const sent = await readTopicToEnd(names.topic);
    expect(sent.map((m) => m.value!.toString('hex')).sort()).toEqual(printed.map((c) => c.value.toString('hex')).sort());
    await expectOutcomes(pool, names.topic, printed, await readTopicToEnd(names.dlq));
  });
});
