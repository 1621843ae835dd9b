// The two baselines the product is compared with, on the same messages, each into an identical,
// freshly migrated heartbeats table, with no validation policy, rules, rejects or dead letters:
//   raw limit:     the bare Kafka client, whole fetched batches, one COPY per batch;
//   naive design:  one consumer, one message at a time, one INSERT committed per reading.
import { consumeBare } from '../kafka/bare-consumer.js';
import { copyRows, insertRow, type BaselineRow } from '../store/baseline-writes.js';
import { storedCounts } from '../store/bench-queries.js';
import { bareRow } from './bare-parse.js';
import { cpuUsed, snapshot } from './cpu.js';
import type { BenchEnv } from './environment.js';

export interface BaselineResult {
  messages: number;
  seconds: number;
  perSecond: number;
  /** Rows the baseline handed to PostgreSQL, and rows found there at the end. */
  written: number;
  stored: number;
  countsMatch: boolean;
  /** CPU seconds of the run: this process (the bare client and COPY), the database's backends, the broker. */
  cpu: Record<string, number>;
}

/** Reads the first `limit` messages of `topic` and writes them by COPY (raw) or INSERT per reading (naive). */
export async function runBaseline(env: BenchEnv, topic: string, limit: number, label: string, mode: 'copy' | 'insert'): Promise<BaselineResult> {
  const names = env.names(label);
  const db = await env.newDatabase(label);
  try {
    const pool = await db.pool(1);
    let written = 0;
    const cpuGroups = async () => ({ app: [process.pid], postgres: await env.backendPids(db.name), kafka: env.brokerPids() });
    const cpuBefore = snapshot(await cpuGroups());
    const run = await consumeBare(env.kafka(`bench-${mode}`), {
      groupId: names.group, topic, limit, mode: mode === 'copy' ? 'batch' : 'message',
      async onMessages(messages) {
        const rows: BaselineRow[] = [];
        for (const m of messages) {
          const row = bareRow(m.value, m.partition, m.offset);
          if (row !== null) rows.push(row);
        }
        if (mode === 'copy') await copyRows(pool, rows);
        else for (const row of rows) await insertRow(pool, row);
        written += rows.length;
      },
    });
    const cpu = cpuUsed(cpuBefore, snapshot(await cpuGroups()));
    const seconds = (run.doneAt - run.joinedAt) / 1000;
    const { stored } = await storedCounts(pool);
    return { messages: run.handled, seconds, perSecond: run.handled / seconds, written, stored, countsMatch: stored === written && run.handled === limit, cpu };
  } finally {
    await db.drop();
  }
}
