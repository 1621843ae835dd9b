// `heartbeat replay` end to end: a gzip'd slice of the shared Fitbit recording (two people, 2,000
// readings, sorted by person as the shared set is, both on one Kafka partition, plus two bad rows)
// is replayed by the real CLI into a running `heartbeat consume`. Every reading sent is stored
// once, at its recorded time shifted so the newest is now, gaps kept, and none is late (the replay
// merged the two people by event time). Replayed again, it says the topic already holds newer
// messages (a consumer that read them would take the readings for late). A missing file fails the
// command, naming it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CachingDefaultPartitioner } from '../src/kafka/producer.js';
import { runCli } from './support/app.js';
import { explainFailure, runCommand, usePipeline, waitForCounts } from './support/pipeline.js';

/** Rows 2-1201 and 1204-2003 of the shared set's first two people (renamed), rows 11 and 12 broken on purpose. */
const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/replay/fitbit-2-people.csv.gz');
const PARTITIONS = 4;

const pipeline = usePipeline('replay', { KAFKA_PARTITIONS: String(PARTITIONS) });
/** The valid rows of the fixture, as the replay must store them (before the shift). */
let recorded: Array<{ customer: string; timeMs: number; hr: number }> = [];

/** The readings topic's partition of a key, as the publisher picks it. */
function partitionOf(key: string): number {
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
  return CachingDefaultPartitioner()({ topic: 't', partitionMetadata, message: { key, value: null } });
}

beforeAll(() => {
  const rows = gunzipSync(readFileSync(FIXTURE)).toString('utf8').trim().split('\r\n').slice(1).map((l) => l.split(','));
  recorded = rows.filter(([, time, hr]) => hr !== '' && !time!.includes('-13-'))
    .map(([customer, time, hr]) => ({ customer: customer!, timeMs: Date.parse(`${time!.replace(' ', 'T')}Z`), hr: Number(hr) }));
});

describe('heartbeat replay', () => {
  it('stores every reading sent, newest at now, gaps kept, none late', async () => {
    expect(recorded).toHaveLength(2000);
    // The premise: both people on one partition, overlapping in time.
    expect(partitionOf('FITBIT-A')).toBe(partitionOf('FITBIT-B0'));
    const { pool, names } = pipeline;
    const app = runCli(['consume'], names.env);
    try {
      await app.waitForLog((l) => l.msg === 'workers consuming');
      const before = Date.now();
      const { code, stdout, stderr } = await runCommand(['replay', FIXTURE], names.env);
      const after = Date.now();
      expect(code, stderr + stdout).toBe(0);
      expect(stdout).toContain('sent 2,000 readings of 2 customers, skipped 2.');
      expect(stdout).toMatch(/missing_heart_rate\s+1\s+first: \S+fitbit-2-people\.csv\.gz line 11/);
      expect(stdout).toMatch(/invalid_time\s+1\s+first: \S+fitbit-2-people\.csv\.gz line 12/);
      // A fresh topic: nothing on it could make the replayed readings late.
      expect(stdout).not.toContain('Late for a running consumer');

      await explainFailure(app, waitForCounts(pool, { heartbeats: 2000, rejected_readings: 0 }, 90_000));
      const { rows } = await pool.query<{ customer_id: string; ms: string; heart_rate: number; late: boolean }>(
        `SELECT customer_id, (extract(epoch FROM event_time) * 1000)::bigint::text AS ms, heart_rate, late FROM heartbeats`);
      const stored = new Map(rows.map((r) => [`${r.customer_id}@${r.ms}`, r]));
      // The newest recorded reading is stamped the moment the replay started sending (to the whole second).
      const newestRecorded = Math.max(...recorded.map((r) => r.timeMs));
      const newestStored = Math.max(...rows.map((r) => Number(r.ms)));
      expect(newestStored).toBeGreaterThanOrEqual(before - 1000);
      expect(newestStored).toBeLessThanOrEqual(after);
      // One shift for all: every recorded reading is there at its time plus the shift, with its value.
      const shift = newestStored - newestRecorded;
      expect(shift % 1000).toBe(0);
      expect(stdout).toContain(`(+${shift} ms)`);
      const missing = recorded.filter((r) => stored.get(`${r.customer}@${r.timeMs + shift}`)?.heart_rate !== r.hr);
      expect(missing).toEqual([]);
      // Both people share a partition and overlap in time: sent in file order, the second would be late.
      expect(rows.filter((r) => r.late).length).toBe(0);
      expect(await app.stop('SIGTERM')).toBe(0);
    } finally {
      await app.stop('SIGKILL');
    }
  });

  it('says so when the topic already holds newer messages, which would make the replayed readings late', async () => {
    // The same recording twice: the first replay's messages are stamped now, after the second's
    // oldest readings (the recording spans hours), as live devices' would be.
    const first = await runCommand(['replay', FIXTURE], pipeline.names.env);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const { code, stdout, stderr } = await runCommand(['replay', FIXTURE], pipeline.names.env);
    expect(code, stderr + stdout).toBe(0);
    const held = /Late for a running consumer: \S+ already held ([\d,]+) messages stamped after/.exec(stdout);
    expect(held, stdout).not.toBeNull();
    expect(Number(held![1]!.replaceAll(',', ''))).toBeGreaterThanOrEqual(2000);
    expect(stdout).toContain('give both commands --kafka-topics-readings and --kafka-group-id');
  });

  it('fails on a file it cannot read, naming it, and sends nothing', async () => {
    const { code, stdout } = await runCommand(['replay', FIXTURE, path.join(path.dirname(FIXTURE), 'missing.csv')], pipeline.names.env);
    expect(code).toBe(1);
    expect(stdout).toContain('REPLAY_INPUT_INVALID');
    expect(stdout).toContain('missing.csv: cannot read: ENOENT');
    expect(stdout).not.toContain('Replayed');
  });
});
