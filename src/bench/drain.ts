// Drain throughput of the product: `heartbeat consume` with N workers, a fresh database and a
// fresh consumer group, drains a filled topic; timed from the first worker's start until the group
// has committed every message (an offset is committed only after its rows are durable), then
// the stored rows and rejects are counted against what was published.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openOffsetReader, sumOffsets } from '../kafka/group-offsets.js';
import { runCli } from '../cli-process.js';
import { storedCounts } from '../store/bench-queries.js';
import { cpuUsed, snapshot } from './cpu.js';
import { summarizeGcTrace, type GcSummary } from './gc-trace.js';
import type { BenchEnv } from './environment.js';
import type { FillResult } from './fill.js';

export interface DrainResult {
  workers: number;
  /** Messages drained while timed (all of them). */
  messages: number;
  seconds: number;
  perSecond: number;
  stored: number;
  rejected: number;
  countsMatch: boolean;
  peakRssMb: number;
  /** CPU seconds used while timed by the app, the PostgreSQL backends of its database, and the broker. */
  cpu: Record<string, number>;
  /** Messages drained while the CPU was counted (from "workers consuming" to the end). */
  cpuMessages: number;
  /** The app's garbage collection, when the bench ran with --trace-gc. */
  gc?: GcSummary;
  /** Worker threads that failed and were restarted during the drain. */
  workerRestarts: number;
}

const POLL_MS = 100;

/** The env that points `heartbeat consume` at a phase's topic, group and database. */
export function appEnv(env: BenchEnv, topic: string, names: { dlq: string; alerts: string; group: string }, databaseUrl: string, logDir: string, workers: number): Record<string, string> {
  return {
    KAFKA_BROKERS: env.brokers.join(','), KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: names.dlq, KAFKA_ALERTS_TOPIC: names.alerts,
    KAFKA_GROUP_ID: names.group, KAFKA_PARTITIONS: String(env.config.kafka.partitions), DATABASE_URL: databaseUrl,
    WORKERS: String(workers), SIMULATOR_ENABLED: 'false', LOG_DIR: logDir, LOG_LEVEL: 'info',
    KAFKA_LOCAL_AUTOSTART: 'false', DATABASE_EMBEDDED_FALLBACK: 'false',
  };
}

/** Runs one timed drain of `topic` (filled as `fill` says) with `workers` worker threads. */
export async function drain(env: BenchEnv, topic: string, fill: FillResult, workers: number, label: string, execArgv: string[] = []): Promise<DrainResult> {
  const names = env.names(label);
  const db = await env.newDatabase(label);
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'heartbeat-bench-logs-'));
  const offsets = await openOffsetReader(env.kafka('bench-offsets'), names.group, topic);
  const app = runCli(['consume'], appEnv(env, topic, names, db.url, logDir, workers), { execArgv });
  try {
    const total = sumOffsets(await offsets.ends());
    await app.waitForLog((l) => l.msg === 'workers consuming', 120_000);
    // The clock starts when the first worker started consuming: the others join while it works.
    // (Worker threads' lines reach stdout through the main thread, possibly after its own.)
    let starts: number[] = [];
    for (let waited = 0; starts.length < workers && waited < 10_000; waited += 20) {
      starts = app.lines.filter((l) => l.msg === 'worker consuming').map((l) => Date.parse(String(l.time)));
      if (starts.length < workers) await new Promise((r) => setTimeout(r, 20));
    }
    const t0 = Math.min(...starts);
    const cpuGroups = async () => ({ app: [app.child.pid!], postgres: await env.backendPids(db.name), kafka: env.brokerPids() });
    const cpuBefore = snapshot(await cpuGroups());
    const before = sumOffsets(await offsets.committed());
    let committed = before;
    while (committed < total) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      committed = sumOffsets(await offsets.committed());
    }
    const cpu = cpuUsed(cpuBefore, snapshot(await cpuGroups()));
    const seconds = (Date.now() - t0) / 1000;
    const peakRssMb = app.peakRssMb();
    const { stored, rejected } = await storedCounts(await db.pool(1));
    // Messages committed before t0 was known were drained after t0 all the same.
    const messages = Number(total);
    return {
      workers, messages, seconds, perSecond: messages / seconds, stored, rejected,
      countsMatch: stored === fill.valid && rejected === fill.bad && Number(total) === fill.total, peakRssMb, cpu, cpuMessages: Number(total - before),
      // V8's collection lines are the app's only stdout lines that are not JSON (no time field).
      gc: summarizeGcTrace(app.lines.filter((l) => l.time === undefined).map((l) => String(l.msg)), messages),
      workerRestarts: app.lines.filter((l) => l.msg === 'worker failed; restarting after backoff').length,
    };
  } finally {
    const code = await app.stop();
    if (code !== 0) env.log.warn({ code, label }, 'heartbeat consume did not exit 0');
    await offsets.close();
    await db.drop();
    await rm(logDir, { recursive: true, force: true });
  }
}
