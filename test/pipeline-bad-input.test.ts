// Hostile input through the real pipeline: 10,000+ bad messages (the simulator's corpus plus random
// bytes, ~1 MB payloads, deep nesting, control characters, NUL, tombstones, duplicates...) mixed
// into valid traffic. Each bad one is rejected with its specific reason, in the table and on the
// dead-letter topic; no worker restarts; every valid reading is stored exactly once.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../src/kafka/producer.js';
import { malformedReason, OUT_OF_RANGE_REASON } from '../src/simulator/malformed.js';
import { robustnessTraffic } from '../src/simulator/scenario.js';
import { runCli } from './support/app.js';
import { explainFailure, usePipeline, publish, readTopicToEnd, waitForCounts } from './support/pipeline.js';

const MINUTE = 60_000;

/** A message with the outcome it must have: a reject reason, or stored as (customer, event time). */
type Known = OutboundMessage & ({ reason: string } | { stored: { customer: string; eventTime: number } });

/** The hostile cases of the issue, beyond the simulator's corpus; `t` spaces their event times. */
function hostile(t: number): Known[] {
  const ts = (i: number) => new Date(t + i * 1000).toISOString();
  const reading = (customer: string, i: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ customer_id: customer, timestamp: ts(i), heart_rate: 72, ...extra });
  const bad = (key: string | null, value: string | Buffer | null, reason: string): Known => ({ key, value, reason });
  const good = (key: string | null, customer: string, i: number, extra: Record<string, unknown> = {}): Known =>
    ({ key, value: reading(customer, i, extra), stored: { customer, eventTime: t + i * 1000 } });
  const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  return [
    bad('HOSTILE-01', randomBytes(200).fill(0xff, 0, 1), 'invalid_utf8'),
    bad('HOSTILE-02', reading('HOSTILE-02', 2).slice(0, 25), 'invalid_json'),
    bad('HOSTILE-03', '"just a string"', 'not_an_object'),
    bad('HOSTILE-04', '[' .repeat(8000) + ']'.repeat(8000), 'not_an_object'),
    bad('HOSTILE-05', nested(2000), 'missing_field:customer_id'),
    bad('HOSTILE-06', reading('HOSTILE-06', 6, { heart_rate: '72' }), 'wrong_type:heart_rate'),
    bad('HOSTILE-07', reading('HOSTILE-07', 7, { timestamp: String(t) }), 'timestamp_invalid'),
    // The field itself: a bare '72' also occurs in some timestamps (…:07.172Z), and replacing that one made the reading timestamp_invalid.
    bad('HOSTILE-08', reading('HOSTILE-08', 8).replace('"heart_rate":72', '"heart_rate":1e400'), 'not_finite:heart_rate'),
    bad('HOSTILE-09', reading('HOSTILE\u0007-09', 9), 'customer_id_invalid'),
    bad('HOSTILE-10', reading('HOSTILE\u0000-10', 10), 'customer_id_invalid'),
    bad('HOSTILE-11', reading('\u2028\u00a0 ', 11), 'customer_id_invalid'),
    bad('HOSTILE-12', reading('x'.repeat(65), 12), 'customer_id_invalid'),
    // A NUL byte outside any string: JSON.parse's message quotes it, PostgreSQL text cannot hold it.
    bad('HOSTILE-13', `{"customer_id":\u0000"HOSTILE-13","heart_rate":72}`, 'invalid_json'),
    bad('HOSTILE-14', reading('HOSTILE-14', 14, { device_id: 'dev\u001b[31m' }), 'invalid_value:device_id'),
    bad('HOSTILE-15', null, 'empty_message'),
    bad(null, null, 'empty_message'),
    bad(null, '{"customer_id":null}', 'wrong_type:customer_id'),
    bad('HOSTILE-16', Buffer.alloc(0), 'empty_message'),
    bad('HOSTILE-17', reading('HOSTILE-17', 17, { pad: 'x'.repeat(20_000) }), 'too_large'),
    // Text a careless writer would execute: stored as an ordinary customer id.
    good('HOSTILE-18', "'); DROP TABLE heartbeats; --", 18),
    good(null, 'HOSTILE-19-null-key', 19),
    good('HOSTILE-20', 'Zoë-😀-顧客', 20, { nested: JSON.parse(nested(50)) as unknown }),
  ];
}

/** ~1 MB payloads, sent uncompressed: the largest a default broker (message.max.bytes 1,048,588) takes. */
function huge(t: number): Known[] {
  const json = (customer: string, pad: string) => JSON.stringify({ customer_id: customer, timestamp: new Date(t).toISOString(), heart_rate: 72, pad });
  return [
    { key: 'HUGE-1', value: json('HUGE-1', randomBytes(750_000).toString('base64')), reason: 'too_large' }, // ~1,000,000 bytes, incompressible
    { key: 'HUGE-2', value: json('HUGE-2', 'a'.repeat(1_000_000)), reason: 'too_large' },
    // The size check comes first: a huge value is too_large whatever its bytes.
    { key: 'HUGE-3', value: randomBytes(1_000_000), reason: 'too_large' },
  ];
}

describe('bad input through the running pipeline', () => {
  const fixture = usePipeline('bad-input');

  it('rejects every bad message with its reason (table and dead-letter topic), restarts no worker, and stores every valid reading once', { timeout: 180_000 }, async () => {
    const { pool, names } = fixture;
    const start = Date.now() - 20 * MINUTE;
    const traffic = robustnessTraffic({ count: 10_000, seed: 7, startMs: start, customers: 500, validPerBad: 2 });
    const known: Known[] = [];
    for (const m of traffic) {
      if (m.kind === 'valid') {
        known.push({ key: m.key, value: m.value, stored: { customer: m.key, eventTime: m.eventTime } });
        // Every 50th valid reading is sent twice in a row: the copy is a duplicate.
        if (known.length % 50 === 0) known.push({ key: m.key, value: m.value, reason: 'duplicate' });
      } else {
        known.push({ key: m.key, value: m.value, reason: m.kind === 'out_of_range' ? OUT_OF_RANGE_REASON : malformedReason(m.malformedKind!) });
      }
    }
    known.push(...hostile(start + 5 * MINUTE));
    const big = huge(start + 6 * MINUTE);
    const all = [...known, ...big];
    const bad = all.filter((k): k is Known & { reason: string } => 'reason' in k);
    const valid = all.filter((k): k is Known & { stored: { customer: string; eventTime: number } } => 'stored' in k);
    expect(bad.length).toBeGreaterThanOrEqual(10_000);

    const app = runCli(['consume'], names.env);
    try {
      await app.waitForLog((l) => l.msg === 'workers consuming');
      await publish(names.topic, known.map(({ key, value }) => ({ key, value })));
      await publish(names.topic, big.map(({ key, value }) => ({ key, value })), { compression: 'none', slice: 1 });
      await explainFailure(app, waitForCounts(pool, { heartbeats: valid.length, rejected_readings: bad.length }, 90_000));
      expect(await app.stop('SIGTERM')).toBe(0);
      expect(app.lines.filter((l) => String(l.msg).startsWith('worker failed'))).toEqual([]);
      expect(app.lines.filter((l) => l.msg === 'pipeline stats').at(-1)).toMatchObject({ restarts: 0 });
    } finally {
      await app.stop('SIGKILL');
    }

    // Specific reasons: per reason, exactly as many rejects as bad messages that should get it.
    const tally = (reasons: string[]) => reasons.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r]: (acc[r] ?? 0) + 1 }), {});
    const { rows: byReason } = await pool.query<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM rejected_readings GROUP BY reason');
    expect(Object.fromEntries(byReason.map((r) => [r.reason, r.n]))).toEqual(tally(bad.map((b) => b.reason)));
    // Each hostile or huge message kept byte for byte, with its own reason.
    const { rows: kept } = await pool.query<{ hex: string; reason: string }>(`SELECT encode(raw, 'hex') AS hex, reason FROM rejected_readings WHERE reason <> 'duplicate'`);
    const reasonsOf = new Map<string, string[]>();
    for (const r of kept) reasonsOf.set(r.hex, [...(reasonsOf.get(r.hex) ?? []), r.reason]);
    for (const b of bad.filter((k) => k.value !== null && Buffer.byteLength(k.value) > 0 && (String(k.key).startsWith('HOSTILE') || String(k.key).startsWith('HUGE') || k.key === null))) {
      const hex = Buffer.from(b.value!).toString('hex');
      expect(reasonsOf.get(hex), String(b.key)).toContain(b.reason);
    }

    // Every valid reading exactly once (the primary key makes a second copy impossible; count and set equality make a loss visible).
    const { rows: stored } = await pool.query<{ customer_id: string; ms: string }>(
      `SELECT customer_id, (extract(epoch FROM event_time) * 1000)::bigint::text AS ms FROM heartbeats`);
    const key = (customer: string, ms: number | string) => `${customer}\u0000${ms}`;
    expect(new Set(stored.map((r) => key(r.customer_id, r.ms)))).toEqual(new Set(valid.map((v) => key(v.stored.customer, v.stored.eventTime))));

    // The dead-letter topic holds one copy per bad message, with the original bytes and reason.
    const dlq = await readTopicToEnd(names.dlq);
    expect(dlq).toHaveLength(bad.length);
    expect(tally(dlq.map((m) => m.headers['x-reject-reason']!))).toEqual(tally(bad.map((b) => b.reason)));
    expect(new Set(dlq.map((m) => `${m.headers['x-source-partition']}:${m.headers['x-source-offset']}`)).size).toBe(bad.length);
    const sentBad = new Set(bad.map((b) => (b.value === null ? '' : Buffer.from(b.value).toString('hex'))));
    expect(dlq.filter((m) => !sentBad.has(m.value === null ? '' : m.value.toString('hex')))).toEqual([]);
  });
});
