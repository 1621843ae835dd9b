// End-to-end latency at a steady rate: `heartbeat consume` (N workers) and `heartbeat simulate`
// (simulator.rate readings/s) as two processes on fresh topics and a fresh database. A reading's
// latency is measured from its event time (set by the simulator as it makes the reading) to:
//   committed: the first poll (every POLL_MS) that sees its offset committed by the group, which
//              happens only after its row is durable: an upper bound, late by at most POLL_MS;
//   written:   its row's ingested_at, now() of the INSERT's transaction: when the write started,
//              a lower bound on the commit.
// Readings of the first warm-up seconds are left out (JIT, group join).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openOffsetReader, sumOffsets } from '../kafka/group-offsets.js';
import { runCli, type LogLine } from '../cli-process.js';
import { cpuUsed, snapshot } from './cpu.js';
import { appEnv } from './drain.js';
import type { BenchEnv } from './environment.js';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LatencyResult {
  rate: number;
  seconds: number;
  /** Messages the simulator published, and the rate it achieved. */
  published: number;
  publishedPerSecond: number;
  /** Readings the percentiles are over (stored, after the warm-up). */
  measured: number;
  committed: Percentiles;
  written: Percentiles;
  /** Rows stored and rejected, and messages on the topic at the end. */
  stored: number;
  rejected: number;
  onTopic: number;
  /**
   * Every message on the topic was stored or rejected. (The simulator's own `published` count can
   * miss the batch in flight when it is stopped, so the topic's end offsets are the reference.)
   */
  countsMatch: boolean;
  peakRssMb: number;
  /**
   * Cores busy while the simulator ran (CPU seconds / wall seconds) per process group: the
   * consumer app, the simulator, the PostgreSQL backends of the phase's database, the benchmark's
   * own broker (0 with external brokers) and this benchmark process (its offset poller).
   */
  coresBusy: Record<'app' | 'simulator' | 'postgres' | 'kafka' | 'bench', number>;
}

const POLL_MS = 10;

/** The time of a log line in ms (pino writes ISO text or epoch ms). */
const logTime = (line: LogLine): number => (typeof line.time === 'string' ? Date.parse(line.time) : Number(line.time));

/** Runs the simulator at `rate` for `seconds` against `workers` workers. */
export async function measureLatency(env: BenchEnv, rate: number, seconds: number, warmupSeconds: number, workers: number, execArgv: string[] = []): Promise<LatencyResult> {
  const names = env.names('latency');
  await env.createTopics(names);
  const db = await env.newDatabase('latency');
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'heartbeat-bench-logs-'));
  const offsets = await openOffsetReader(env.kafka('bench-offsets'), names.group, names.topic);
  const base = appEnv(env, names.topic, names, db.url, logDir, workers);
  const consumer = runCli(['consume'], base, { execArgv });
  let simulator: ReturnType<typeof runCli> | undefined;
  // Commit observations: partition, offsets [from, to) and when they were first seen committed.
  const seen: Array<{ partition: number; from: bigint; to: bigint; at: number }> = [];
  let polling = true;
  try {
    await consumer.waitForLog((l) => l.msg === 'workers consuming', 120_000);
    const last = new Map<number, bigint>();
    const poller = (async () => {
      while (polling) {
        const committed = await offsets.committed();
        const at = Date.now();
        for (const [partition, offset] of committed) {
          const from = last.get(partition) ?? 0n;
          if (offset > from) seen.push({ partition, from, to: offset, at });
          last.set(partition, offset);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    simulator = runCli(['simulate'], { ...base, SIMULATOR_RATE: String(rate) }, { execArgv });
    const started = await simulator.waitForLog((l) => l.msg === 'simulator publishing', 120_000);
    const startMs = logTime(started);
    const cpuGroups = async () => ({
      app: [consumer.child.pid!], simulator: [simulator!.child.pid!], postgres: await env.backendPids(db.name), kafka: env.brokerPids(), bench: [process.pid],
    });
    const cpuBefore = snapshot(await cpuGroups());
    const cpuFrom = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu = cpuUsed(cpuBefore, snapshot(await cpuGroups()));
    const wallSeconds = (performance.now() - cpuFrom) / 1000;
    const cores = (group: string) => Math.round(((cpu[group] ?? 0) / wallSeconds) * 100) / 100;
    const coresBusy = { app: cores('app'), simulator: cores('simulator'), postgres: cores('postgres'), kafka: cores('kafka'), bench: cores('bench') };
    await simulator.stop();
    const stopped = simulator.lines.find((l) => l.msg === 'simulator stopped');
    const published = Number(stopped?.published ?? Number.NaN);
    const publishedPerSecond = published / (((stopped === undefined ? Date.now() : logTime(stopped)) - startMs) / 1000);
    // Wait for the backlog to be committed, then stop polling.
    const total = sumOffsets(await offsets.ends());
    while (sumOffsets(last) < total) await new Promise((r) => setTimeout(r, 50));
    polling = false;
    await poller;
    const peakRssMb = consumer.peakRssMb();

    const pool = await db.pool(1);
    await pool.query('CREATE TEMP TABLE seen (p int, lo bigint, hi bigint, at timestamptz)');
    for (let i = 0; i < seen.length; i += 5000) {
      const slice = seen.slice(i, i + 5000);
      await pool.query('INSERT INTO seen SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::timestamptz[])',
        [slice.map((s) => s.partition), slice.map((s) => s.from.toString()), slice.map((s) => s.to.toString()), slice.map((s) => new Date(s.at).toISOString())]);
    }
    await pool.query('CREATE INDEX ON seen (p, lo)');
    await pool.query('ANALYZE seen');
    const pct = (expr: string) => `json_build_object('p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY ${expr}), 'p95', percentile_cont(0.95) WITHIN GROUP (ORDER BY ${expr}), 'p99', percentile_cont(0.99) WITHIN GROUP (ORDER BY ${expr}), 'max', max(${expr}))`;
    const ms = (to: string) => `(extract(epoch FROM ${to} - h.event_time) * 1000)`;
    const { rows } = await pool.query<{ measured: number; committed: Percentiles; written: Percentiles; stored: number; rejected: number }>(`
      SELECT count(*)::int AS measured, ${pct(ms('s.at'))} AS committed, ${pct(ms('h.ingested_at'))} AS written,
             (SELECT count(*) FROM heartbeats)::int AS stored, (SELECT count(*) FROM rejected_readings)::int AS rejected
      FROM heartbeats h
      -- Ranges of one partition follow each other: a row's range is the last one starting at or before its offset.
      CROSS JOIN LATERAL (SELECT at FROM seen WHERE p = h.kafka_partition AND lo <= h.kafka_offset ORDER BY lo DESC LIMIT 1) s
      WHERE h.event_time >= $1`, [new Date(startMs + warmupSeconds * 1000).toISOString()]);
    const r = rows[0]!;
    return {
      rate, seconds, published, publishedPerSecond, measured: r.measured, committed: r.committed, written: r.written,
      stored: r.stored, rejected: r.rejected, onTopic: Number(total),
      countsMatch: r.stored + r.rejected === Number(total), peakRssMb, coresBusy,
    };
  } finally {
    polling = false;
    await simulator?.stop();
    await consumer.stop();
    await offsets.close();
    await db.drop();
    await rm(logDir, { recursive: true, force: true });
  }
}
