// Scaling out: two `consume` instances in one group split the partitions between them; stopping
// one (SIGTERM) while traffic flows hands its partitions to the other with nothing lost and
// nothing stored twice.
import { describe, expect, it } from 'vitest';
import { runCli, type RunningApp } from './support/app.js';
import { explainFailure, usePipeline, publish, readingMessage, waitForCounts } from './support/pipeline.js';
import { waitUntil } from './support/poll.js';

const PARTITIONS = 6;
const ALL = Array.from({ length: PARTITIONS }, (_, i) => i);

/** The partitions an instance was last assigned (from its 'partitions assigned' log lines). */
const assigned = (app: RunningApp): number[] | undefined =>
  app.lines.filter((l) => l.msg === 'partitions assigned').at(-1)?.partitions as number[] | undefined;

/** Resolves when the instances' latest assignments are non-empty, disjoint and cover every partition. */
function waitForSplit(apps: RunningApp[], timeoutMs = 60_000): Promise<number[][]> {
  let sets: number[][] = [];
  // The assignment arrives as a log line of another process: look again shortly.
  return waitUntil(async () => {
    sets = apps.map((a) => assigned(a) ?? []);
    const flat = sets.flat().sort((a, b) => a - b);
    return sets.every((s) => s.length > 0) && JSON.stringify(flat) === JSON.stringify(ALL) ? sets : undefined;
  }, timeoutMs, () => `the partitions split: ${JSON.stringify(sets)}`);
}

/** Readings of 60 customers, one every second each, starting at `from` (distinct per call). */
function readings(from: number, seconds: number) {
  return Array.from({ length: 60 * seconds }, (_, i) => ({ customer: `SCALE-${String(i % 60).padStart(2, '0')}`, eventTime: from + Math.floor(i / 60) * 1000 + (i % 60), bpm: 60 + (i % 30) }));
}

describe('two instances of consume', () => {
  const fixture = usePipeline('scale', { WORKERS: '1', KAFKA_PARTITIONS: String(PARTITIONS) });

  it('split the partitions, and a stopped one hands its partitions over with nothing lost or stored twice', async () => {
    const { pool, names } = fixture;
    const base = Date.now() - 15 * 60_000;
    const before = readings(base, 30), during = readings(base + 60_000, 60), after = readings(base + 180_000, 30);
    const a = runCli(['consume'], names.env);
    let b: RunningApp | undefined;
    try {
      await a.waitForLog((l) => l.msg === 'workers consuming');
      b = runCli(['consume'], names.env);
      await b.waitForLog((l) => l.msg === 'workers consuming');
      const [ofA, ofB] = await waitForSplit([a, b]);
      expect([...ofA!, ...ofB!].sort((x, y) => x - y)).toEqual(ALL);

      await publish(names.topic, before.map((r) => readingMessage(r.customer, r.eventTime, r.bpm)));
      await explainFailure(a, waitForCounts(pool, { heartbeats: before.length }));

      // Stop B while the second set is being published and consumed.
      const slices = 12, size = Math.ceil(during.length / slices);
      let bExit: Promise<number> | undefined;
      for (let s = 0; s < slices; s++) {
        await publish(names.topic, during.slice(s * size, (s + 1) * size).map((r) => readingMessage(r.customer, r.eventTime, r.bpm)), { slice: size });
        if (s === 3) bExit = b.stop('SIGTERM');
      }
      expect(await bExit).toBe(0);
      expect(b.lines.filter((l) => l.msg === 'worker stopped')).toHaveLength(1);
      // A now owns every partition.
      await waitForSplit([a]);
      await publish(names.topic, after.map((r) => readingMessage(r.customer, r.eventTime, r.bpm)));

      const all = [...before, ...during, ...after];
      await explainFailure(a, waitForCounts(pool, { heartbeats: all.length, rejected_readings: 0 }));
      expect(await a.stop('SIGTERM')).toBe(0);
      for (const app of [a, b]) expect(app.lines.filter((l) => String(l.msg).startsWith('worker failed'))).toEqual([]);

      // Exactly the readings sent, each once, with the heart rate it was sent with.
      const { rows } = await pool.query<{ customer_id: string; ms: string; heart_rate: number }>(
        `SELECT customer_id, (extract(epoch FROM event_time) * 1000)::bigint::text AS ms, heart_rate FROM heartbeats`);
      const key = (c: string, ms: number | string, bpm: number) => `${c}|${ms}|${bpm}`;
      expect(new Set(rows.map((r) => key(r.customer_id, r.ms, r.heart_rate)))).toEqual(new Set(all.map((r) => key(r.customer, r.eventTime, r.bpm))));
      // B really took part: it stored readings of its partitions before it stopped.
      expect(Number(b.lines.find((l) => l.msg === 'worker stopped')!.stored)).toBeGreaterThan(0);
    } finally {
      await b?.stop('SIGKILL');
      await a.stop('SIGKILL');
    }
  });
});
