// Compressed topics from a producer that is not ours: kcat (librdkafka) publishes readings with
// every codec Kafka knows (none, gzip, snappy, lz4, zstd), with keys and without, into a running
// `heartbeat consume`. Every reading is stored, a huge and an empty message in compressed batches
// become rejects with their reasons, and no worker restarts. (kafkajs alone decodes only none and
// gzip: a snappy, lz4 or zstd batch crashed the consumer on every fetch.)
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/app.js';
import { ensureKcat, kcatProduce, type KcatCodec } from './support/kcat.js';
import { explainFailure, usePipeline, waitForCounts } from './support/pipeline.js';

const CODECS: readonly KcatCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PER_RUN = 60; // readings per codec and key mode: 600 in all

/** What one kcat run sends and what must come of it. */
interface Run {
  codec: KcatCodec;
  keyed: boolean;
  lines: string[];
  stored: Array<{ customer: string; eventTime: number }>;
  rejects: string[];
}

describe('compressed topics written by librdkafka', () => {
  const fixture = usePipeline('codecs');
  beforeAll(() => ensureKcat((line) => console.log(line)));

  it('stores every reading of every codec, with keys and without, rejects a huge and an empty message, and restarts no worker', { timeout: 180_000 }, async () => {
    const { pool, names } = fixture;
    // Near now, as devices send them (the range check rejects readings older than 7 days), one ms
    // apart in publish order: no two alike (no duplicate) and none later than the allowed lateness.
    let eventTime = Date.now() - 5 * 60_000;
    const runs: Run[] = [];
    for (const codec of CODECS) {
      for (const keyed of [true, false]) {
        const run: Run = { codec, keyed, lines: [], stored: [], rejects: [] };
        const tag = `KCAT-${codec}-${keyed ? 'K' : 'N'}`;
        const json = (customer: string, extra: Record<string, unknown> = {}) =>
          JSON.stringify({ customer_id: customer, timestamp: new Date(eventTime).toISOString(), heart_rate: 60 + (eventTime % 40), ...extra });
        const line = (customer: string, value: string) => (keyed ? `${customer}:${value}` : value);
        for (let i = 0; i < PER_RUN; i += 1) {
          eventTime += 1;
          const customer = `${tag}-${i % 7}`;
          run.lines.push(line(customer, json(customer)));
          run.stored.push({ customer, eventTime });
          if (i === PER_RUN / 2) {
            // Over input.maxMessageBytes (16 KiB) but a few hundred bytes once compressed.
            eventTime += 1;
            run.lines.push(line(`${tag}-HUGE`, json(`${tag}-HUGE`, { pad: 'x'.repeat(200_000) })));
            run.rejects.push('too_large');
            // A key with a zero-length value (kcat skips an empty line that has no key).
            if (keyed) {
              run.lines.push(`${tag}-EMPTY:`);
              run.rejects.push('empty_message');
            }
          }
        }
        runs.push(run);
      }
    }
    const stored = runs.flatMap((r) => r.stored);
    const rejects = runs.flatMap((r) => r.rejects);

    const app = runCli(['consume'], names.env);
    try {
      await app.waitForLog((l) => l.msg === 'workers consuming');
      const brokers = inject('kafkaBrokers');
      for (const run of runs) {
        await kcatProduce({ brokers, topic: names.topic, codec: run.codec, lines: run.lines, keyDelimiter: run.keyed ? ':' : undefined });
      }
      await explainFailure(app, waitForCounts(pool, { heartbeats: stored.length, rejected_readings: rejects.length }, 60_000));
      expect(await app.stop('SIGTERM')).toBe(0);
      expect(app.lines.filter((l) => String(l.msg).startsWith('worker failed'))).toEqual([]);
      expect(app.lines.filter((l) => l.msg === 'pipeline stats').at(-1)).toMatchObject({ restarts: 0 });
    } finally {
      await app.stop('SIGKILL');
    }

    // Every reading of every run, each once, with its customer and event time.
    const { rows } = await pool.query<{ customer_id: string; ms: string }>(
      `SELECT customer_id, (extract(epoch FROM event_time) * 1000)::bigint::text AS ms FROM heartbeats`);
    const key = (customer: string, ms: number | string) => `${customer}\u0000${ms}`;
    expect(new Set(rows.map((r) => key(r.customer_id, r.ms)))).toEqual(new Set(stored.map((s) => key(s.customer, s.eventTime))));
    for (const run of runs) {
      const prefix = `KCAT-${run.codec}-${run.keyed ? 'K' : 'N'}-`;
      expect(rows.filter((r) => r.customer_id.startsWith(prefix)), `${run.codec} ${run.keyed ? 'with keys' : 'without keys'}`).toHaveLength(PER_RUN);
    }

    // The huge and the empty messages of each codec, each with its reason.
    const { rows: rejected } = await pool.query<{ customer: string | null; reason: string; bytes: number }>(
      `SELECT convert_from(raw, 'UTF8')::json->>'customer_id' AS customer, reason, octet_length(raw) AS bytes
         FROM rejected_readings WHERE reason = 'too_large'`);
    expect(rejected.map((r) => r.customer).sort()).toEqual(runs.map((r) => `KCAT-${r.codec}-${r.keyed ? 'K' : 'N'}-HUGE`).sort());
    expect(rejected.every((r) => r.bytes > 200_000)).toBe(true);
    const { rows: byReason } = await pool.query<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM rejected_readings GROUP BY reason ORDER BY reason');
    expect(byReason).toEqual([{ reason: 'empty_message', n: CODECS.length }, { reason: 'too_large', n: CODECS.length * 2 }]);
  });
});
