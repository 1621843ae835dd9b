// A reading the core accepts but PostgreSQL refuses (here: a CHECK this test adds to its own
// database, as a stricter migration or a trigger would) must not block its partition: it becomes a
// reject with the SQLSTATE (table and dead-letter topic), the readings around it on the same key
// are stored, and the group's offset is committed. Before, the write was retried forever.
import { describe, expect, it } from 'vitest';
import { createKafka, plainClientConfig } from '../src/kafka/client.js';
import { createLagReader } from '../src/kafka/lag.js';
import { runCli } from './support/app.js';
import { silentLog } from './support/database.js';
import { explainFailure, publish, readTopicToEnd, readingMessage, usePipeline, waitForCounts } from './support/pipeline.js';
import { waitUntil } from './support/poll.js';

const KEY = 'CUST-REFUSED';

describe('a reading PostgreSQL refuses', () => {
  const fixture = usePipeline('store-refused', { KAFKA_PARTITIONS: '1', WORKERS: '1' });

  it('is rejected as store_rejected:<sqlstate>, kept on the dead-letter topic, and the 100 readings around it are stored and committed', { timeout: 120_000 }, async () => {
    const { pool, names } = fixture;
    await pool.query('ALTER TABLE heartbeats ADD CONSTRAINT test_refuses_77 CHECK (heart_rate <> 77)');
    const t0 = Date.now() - 60_000;
    // 50 readings, the 26th of 77 bpm, then 50 more; one key, so one partition, in this order.
    // The 11th is 75.5: with --input-whole-number-heart-rate false the core stores it as 76.
    const bpm = (i: number) => (i === 25 ? 77 : i === 10 ? 75.5 : 60 + (i % 15));
    const messages = Array.from({ length: 101 }, (_, i) => readingMessage(KEY, t0 + i * 500, bpm(i)));

    const app = runCli(['consume', '--input-whole-number-heart-rate', 'false'], names.env);
    const kafka = createKafka(plainClientConfig(names.env.KAFKA_BROKERS!.split(','), 'heartbeat-test'), silentLog, 'store-refused-test');
    const lag = createLagReader(kafka, names.group, names.topic);
    try {
      await app.waitForLog((l) => l.msg === 'workers consuming');
      await publish(names.topic, messages.slice(0, 51));
      await publish(names.topic, messages.slice(51));
      await explainFailure(app, waitForCounts(pool, { heartbeats: 100, rejected_readings: 1 }, 60_000));
      // The offset moves past all 101 messages (committed after the writes: poll briefly).
      let parts: Awaited<ReturnType<typeof lag.read>> = [];
      await explainFailure(app, waitUntil(async () => {
        parts = await lag.read();
        return parts.length === 1 && parts[0]!.committed === 101 ? true : undefined;
      }, 30_000, () => `the offset committed past all 101 messages: ${JSON.stringify(parts)}`, 200));
      expect(app.lines.filter((l) => l.msg === 'reading refused by the database; rejected')).toHaveLength(1);
      expect(await app.stop('SIGTERM')).toBe(0);
      expect(app.lines.filter((l) => String(l.msg).startsWith('worker failed'))).toEqual([]);
    } finally {
      await lag.close();
      await app.stop('SIGKILL');
    }

    const { rows: stored } = await pool.query<{ bpm: number }>(`SELECT heart_rate AS bpm FROM heartbeats WHERE customer_id = $1 ORDER BY event_time`, [KEY]);
    expect(stored.map((r) => r.bpm)).toEqual(messages.map((_, i) => (i === 10 ? 76 : bpm(i))).filter((b, i) => i !== 25));
    const { rows: rejects } = await pool.query<{ reason: string; validator: string; offset: string; raw: Buffer }>(
      'SELECT reason, validator, kafka_offset AS offset, raw FROM rejected_readings');
    expect(rejects.map((r) => [r.reason, r.validator, r.offset, r.raw.toString()])).toEqual([['store_rejected:23514', 'store', '25', messages[25]!.value]]);
    const dlq = await readTopicToEnd(names.dlq);
    expect(dlq.map((m) => [m.key?.toString(), m.value?.toString(), m.headers['x-reject-reason'], m.headers['x-source-offset']]))
      .toEqual([[KEY, messages[25]!.value, 'store_rejected:23514', '25']]);
  });
});
