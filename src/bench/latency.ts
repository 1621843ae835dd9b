// End-to-end latency at a steady rate: `heartbeat consume` (N workers) and `heartbeat simulate`
// (simulator.rate readings/s) as two processes on fresh topics and a fresh database. A reading's
// latency is measured from its event time (set by the simulator as it makes the reading) to:
//   committed: the first poll (every POLL_MS) of PostgreSQL's snapshot that shows the row's
//              transaction committed (commit-watch.ts): what the issue asks, "event time to
//              committed row", late by at most POLL_MS;
//   written:   its row's ingested_at, now() of the INSERT's transaction: when the write started,
//              a lower bound on the commit.
// Readings of the first warm-up seconds are left out (JIT, group join).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openOffsetReader, sumOffsets } from '../kafka/group-offsets.js';
import { runCli, type LogLine } from '../cli-process.js';
import { heartbeatTransactions, latencyPercentiles, storedCounts, type Percentiles, type TransactionCommit } from '../store/bench-queries.js';
import { firstSeenFinished, fullXid, watchCommits, type CommitWatch } from './commit-watch.js';
import { cpuUsed, snapshot } from './cpu.js';
import { appEnv } from './drain.js';
import type { BenchEnv } from './environment.js';

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
   * own broker (0 with external brokers) and this benchmark process (its snapshot poller).
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
  const pool = await db.pool(2);
  let simulator: ReturnType<typeof runCli> | undefined;
  let watch: CommitWatch | undefined;
  try {
    await consumer.waitForLog((l) => l.msg === 'workers consuming', 120_000);
    watch = watchCommits(pool, POLL_MS);
    // Ideal devices: consumer ones spend part of the day off the wrist, which would lower the rate.
    simulator = runCli(['simulate'], { ...base, SIMULATOR_RATE: String(rate), SIMULATOR_DEVICES: 'ideal' }, { execArgv });
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
    // Wait until every message on the topic is stored or rejected, then stop watching.
    const total = Number(sumOffsets(await offsets.ends()));
    const deadline = Date.now() + 120_000;
    let counts = await storedCounts(pool);
    while (counts.stored + counts.rejected < total && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      counts = await storedCounts(pool);
    }
    const snapshots = await watch.stop();
    watch = undefined;
    const peakRssMb = consumer.peakRssMb();

    // Each transaction that stored rows, and when it was first seen committed.
    const latestXmax = snapshots[snapshots.length - 1]!.xmax;
    const commits: TransactionCommit[] = [];
    let unseen = 0;
    for (const xid of await heartbeatTransactions(pool)) {
      const at = firstSeenFinished(snapshots, fullXid(BigInt(xid), latestXmax));
      if (at === undefined) unseen++;
      else commits.push({ xid, at: new Date(at) });
    }
    if (unseen > 0) throw new Error(`latency: ${unseen} transactions with stored rows were never seen committed`);
    const r = await latencyPercentiles(pool, new Date(startMs + warmupSeconds * 1000), commits);
    return {
      rate, seconds, published, publishedPerSecond, measured: r.measured, committed: r.committed, written: r.written,
      stored: counts.stored, rejected: counts.rejected, onTopic: total,
      countsMatch: counts.stored + counts.rejected === total, peakRssMb, coresBusy,
    };
  } finally {
    // (Already failing: an error of the watch itself would only hide the first one.)
    await watch?.stop().catch(() => undefined);
    await simulator?.stop();
    await consumer.stop();
    await offsets.close();
    await db.drop();
    await rm(logDir, { recursive: true, force: true });
  }
}
