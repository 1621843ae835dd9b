// Runs N long-running consumer tasks on piscina threads and supervises them: a task that fails
// is restarted with backoff (its cause logged); stop sends each a stop message, awaits every task,
// then destroys the pool (piscina's close() does not wait for long-running tasks).
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { AppConfig } from '../config.js';
import type { Logger } from '../log.js';
import { workerLogsDrained } from '../log.js';
import type { MetricsJson } from '../metrics/worker-metrics.js';
import { backoffDelay } from '../retry.js';
import type { Alert } from '../worker/alerts.js';

/** What the orchestrator sends a worker thread. */
export type ToWorker = { type: 'stop' };

/** What a worker thread sends back over its port. */
export type FromWorker =
  | { type: 'ready'; threadId: number }
  | { type: 'stats'; stats: WorkerStats; metrics?: MetricsJson }
  /** A new anomaly was published to the alerts topic (forwarded to the dashboard at once). */
  | { type: 'alert'; alert: Alert };

/** Counters a worker reports; the orchestrator sums them across workers and restarts. */
export interface WorkerStats {
  consumed: number;
  stored: number;
  rejected: number;
  anomalies: number;
  batches: number;
  pluginFailures: number;
  /** Partitions currently assigned to this worker. */
  partitions: number[];
}

/** The task each thread runs until told to stop. */
export interface WorkerTask {
  config: AppConfig;
  index: number;
  port: MessagePort;
}

export interface WorkerPoolOptions {
  config: AppConfig;
  count: number;
  /** Module whose default export runs a WorkerTask (a .js entry that registers tsx, see src/worker/thread-entry.js). */
  filename: string;
  log: Logger;
}

interface Slot {
  index: number;
  port?: MessagePort;
  running?: Promise<void>;
  restarts: number;
  stats: WorkerStats;
  threadId?: number;
  /** The thread's metrics as last reported (prom-client JSON). */
  metrics?: MetricsJson;
  /** When the thread last reported (ms), and whether its task is running. */
  lastSeenAt: number;
  alive: boolean;
}

/** Health of one worker thread, for the dashboard and /metrics. */
export interface WorkerHealth {
  index: number;
  /** Its task runs and it reported within the last few seconds. */
  up: boolean;
  restarts: number;
  partitions: number[];
  consumed: number;
  lastSeenAt: number;
}

/** A worker that has not reported for this long counts as down. */
const SILENT_AFTER_MS = 5_000;

/**
 * V8 heap bounds of each worker thread. By default a thread may grow to 4 GB of old generation
 * and 48 MB of young: at a high allocation rate (a drain) V8 lets garbage pile up to hundreds of
 * MB per thread before collecting (npm run bench measured 680 MB of RSS for 2 workers). What a
 * worker holds live is one fetch and a chunk per partition in flight (workers.concurrentPartitions),
 * a few tens of MB; the bounds keep its peak near that and cost little CPU (figures in BENCHMARKS.md).
 */
const WORKER_HEAP_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 8 };

const emptyStats = (): WorkerStats => ({ consumed: 0, stored: 0, rejected: 0, anomalies: 0, batches: 0, pluginFailures: 0, partitions: [] });

/** A supervised pool of consumer threads. */
export class WorkerPool {
  private readonly pool: Piscina;
  private readonly slots: Slot[];
  private stopping = false;
  /** Totals of tasks that ended (restarted), so counters never go backwards. */
  private readonly retired = emptyStats();
  /** Last metrics of tasks that ended, summed in with the live ones. */
  private readonly retiredMetrics: MetricsJson[] = [];
  private readonly alertListeners = new Set<(alert: Alert) => void>();

  constructor(private readonly options: WorkerPoolOptions) {
    this.pool = new Piscina({
      filename: options.filename,
      minThreads: options.count,
      maxThreads: options.count,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      resourceLimits: WORKER_HEAP_LIMITS,
    });
    this.slots = Array.from({ length: options.count }, (_, index) => ({ index, restarts: 0, stats: emptyStats(), lastSeenAt: 0, alive: false }));
  }

  /** Starts every worker; resolves once each has reported ready (or failed and is being restarted). */
  async start(): Promise<void> {
    await Promise.all(this.slots.map((slot) => new Promise<void>((ready) => this.supervise(slot, ready))));
  }

  private supervise(slot: Slot, ready: () => void): void {
    const { config, log } = this.options;
    const run = async () => {
      while (!this.stopping) {
        const { port1, port2 } = new MessageChannel();
        slot.port = port1;
        port1.on('message', (msg: FromWorker) => {
          slot.lastSeenAt = Date.now();
          if (msg.type === 'ready') {
            slot.threadId = msg.threadId;
            ready();
          } else if (msg.type === 'stats') {
            slot.stats = msg.stats;
            if (msg.metrics !== undefined) slot.metrics = msg.metrics;
          } else if (msg.type === 'alert') {
            for (const listener of this.alertListeners) listener(msg.alert);
          }
        });
        const task: WorkerTask = { config, index: slot.index, port: port2 };
        try {
          slot.alive = true;
          await this.pool.run(task, { transferList: [port2] });
          if (!this.stopping) log.warn({ worker: slot.index }, 'worker returned without being asked to stop; restarting');
        } catch (err) {
          if (this.stopping) break;
          slot.restarts += 1;
          const delayMs = backoffDelay(config.retry, Math.min(slot.restarts, 10));
          log.error({ worker: slot.index, restarts: slot.restarts, delayMs, err }, 'worker failed; restarting after backoff');
          ready();
          this.retire(slot);
          await new Promise((r) => setTimeout(r, delayMs));
        } finally {
          slot.alive = false;
          port1.close();
          if (slot.threadId !== undefined) await workerLogsDrained(slot.threadId, 500);
        }
      }
    };
    slot.running = run();
  }

  private retire(slot: Slot): void {
    for (const key of ['consumed', 'stored', 'rejected', 'anomalies', 'batches', 'pluginFailures'] as const) this.retired[key] += slot.stats[key];
    slot.stats = emptyStats();
    // Counters and histograms keep an ended thread's last numbers so they never go back; a gauge
    // (customers in rule state) describes a thread that is gone, and is dropped.
    if (slot.metrics !== undefined) this.retiredMetrics.push(slot.metrics.filter((m) => String(m.type) !== 'gauge'));
    slot.metrics = undefined;
  }

  /** Summed counters of all workers, past and present, plus health per worker. */
  snapshot(): { totals: Omit<WorkerStats, 'partitions'>; restarts: number; workers: Array<{ index: number; restarts: number; partitions: number[] }> } {
    const totals = { ...this.retired } as WorkerStats;
    for (const slot of this.slots) {
      for (const key of ['consumed', 'stored', 'rejected', 'anomalies', 'batches', 'pluginFailures'] as const) totals[key] += slot.stats[key];
    }
    const { partitions: _unused, ...rest } = totals;
    return {
      totals: rest,
      restarts: this.slots.reduce((n, s) => n + s.restarts, 0),
      workers: this.slots.map((s) => ({ index: s.index, restarts: s.restarts, partitions: s.stats.partitions })),
    };
  }

  /** Health of each worker thread. */
  health(now = Date.now()): WorkerHealth[] {
    return this.slots.map((s) => ({
      index: s.index, up: s.alive && now - s.lastSeenAt < SILENT_AFTER_MS, restarts: s.restarts,
      partitions: s.stats.partitions, consumed: s.stats.consumed, lastSeenAt: s.lastSeenAt,
    }));
  }

  /** The metrics of every thread, past and present (to be summed). */
  metricsJson(): MetricsJson[] {
    return [...this.retiredMetrics, ...this.slots.flatMap((s) => (s.metrics === undefined ? [] : [s.metrics]))];
  }

  /** Calls `listener` with each alert a worker publishes; returns the unsubscribe function. */
  onAlert(listener: (alert: Alert) => void): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  /** Asks every worker to stop (they finish and commit their current batch), awaits them, destroys the pool. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) slot.port?.postMessage({ type: 'stop' } satisfies ToWorker);
    await Promise.all(this.slots.map((s) => s.running));
    await this.pool.destroy();
  }
}
