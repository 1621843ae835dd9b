// Runs N long-running consumer tasks on piscina threads and supervises them: a task that fails
// is restarted with backoff (its cause logged); stop sends each a stop message, awaits every task,
// then destroys the pool (piscina's close() does not wait for long-running tasks).
//
// A watchdog reads each thread's call board (src/rules/call-board.ts) about once a second: a plugin
// call running longer than rules.watchdogMs has its task aborted, which terminates the thread (the
// only way to stop synchronous code), and the supervisor restarts it. A message that killed a
// worker twice is quarantined: every worker rejects it (plugin_timeout:<id>) instead of running
// the plugins on it. Stop aborts whatever has not finished after half the shutdown timeout.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { AppConfig } from '../config.js';
import type { Logger } from '../log.js';
import { workerLogsDrained } from '../log.js';
import { totalsOf, type PipelineTotals } from '../metrics/totals.js';
import type { MetricsJson } from '../metrics/worker-metrics.js';
import { backoffDelay } from '../retry.js';
import { CallBoard } from '../rules/call-board.js';
import type { Alert } from '../worker/alerts.js';
import type { FromWorker, ToWorker, WorkerTask } from '../worker/thread-messages.js';
import { PoisonLedger, StallDetector } from './watchdog.js';

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
  /** Partitions assigned to the thread, as last reported. */
  partitions: number[];
  threadId?: number;
  /** The thread's metrics as last reported (prom-client JSON): everything it counted. */
  metrics?: MetricsJson;
  /** When the thread last reported (ms), and whether its task is running. */
  lastSeenAt: number;
  alive: boolean;
  /** The running task's call board, its plugin ids, and how to terminate it. */
  board?: CallBoard;
  pluginIds: string[];
  abort?: AbortController;
  readonly detector: StallDetector;
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
 * MB per thread before collecting. What a worker holds live is one fetch and a chunk per partition
 * in flight (workers.concurrentPartitions), a few tens of MB; the bounds keep its peak near that
 * and cost little CPU (measured: BENCHMARKS.md, "Why the code is as it is").
 */
const WORKER_HEAP_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 8 };

/** A supervised pool of consumer threads. */
export class WorkerPool {
  private readonly pool: Piscina;
  private readonly slots: Slot[];
  private stopping = false;
  /** Last metrics of tasks that ended (restarted), summed in with the live ones so counters never go backwards. */
  private readonly retiredMetrics: MetricsJson[] = [];
  private readonly alertListeners = new Set<(alert: Alert) => void>();
  private readonly poison = new PoisonLedger();
  /** Ends the restart backoffs in progress. */
  private readonly wakers = new Set<() => void>();
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly options: WorkerPoolOptions) {
    this.pool = new Piscina({
      filename: options.filename,
      minThreads: options.count,
      maxThreads: options.count,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      resourceLimits: WORKER_HEAP_LIMITS,
    });
    const limitMs = options.config.rules.watchdogMs;
    this.slots = Array.from({ length: options.count }, (_, index) => ({
      index, restarts: 0, partitions: [], lastSeenAt: 0, alive: false, pluginIds: [], detector: new StallDetector(limitMs),
    }));
    // A quarter of the limit when that is under a second: a short limit is still met closely.
    this.watchdog = setInterval(() => this.checkStalls(), Math.min(1000, Math.max(25, limitMs / 4)));
    this.watchdog.unref();
  }

  /** Terminates each thread whose plugin call outlasted rules.watchdogMs, and records the message it ran on. */
  private checkStalls(now = Date.now()): void {
    for (const slot of this.slots) {
      if (slot.board === undefined || slot.abort === undefined || slot.abort.signal.aborted) continue;
      const stall = slot.detector.check(slot.board.read(), now);
      if (stall === undefined) continue;
      const pluginId = slot.pluginIds[stall.plugin] ?? `#${stall.plugin}`;
      const { kills, quarantined } = this.poison.record(stall.partition, stall.offset, pluginId);
      this.options.log.error(
        { worker: slot.index, threadId: stall.threadId, plugin: pluginId, partition: stall.partition, offset: stall.offset, watchdogMs: this.options.config.rules.watchdogMs, kills, quarantined },
        'plugin did not return; worker thread terminated');
      if (quarantined) {
        const update: ToWorker = { type: 'quarantine', entries: this.poison.entries() };
        for (const other of this.slots) if (other !== slot) other.port?.postMessage(update);
      }
      slot.abort.abort(new Error(`plugin ${pluginId} ran over rules.watchdogMs`));
    }
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
          } else if (msg.type === 'plugins') {
            slot.pluginIds = msg.ids;
          } else if (msg.type === 'stats') {
            slot.partitions = msg.partitions;
            slot.metrics = msg.metrics;
          } else if (msg.type === 'alert') {
            for (const listener of this.alertListeners) listener(msg.alert);
          }
        });
        const board = CallBoard.allocate();
        const abort = new AbortController();
        slot.board = board;
        slot.abort = abort;
        slot.pluginIds = [];
        slot.detector.reset();
        const task: WorkerTask = { config, index: slot.index, port: port2, board: board.buffer, quarantine: this.poison.entries() };
        try {
          slot.alive = true;
          await this.pool.run(task, { transferList: [port2], signal: abort.signal });
          if (!this.stopping) {
            log.warn({ worker: slot.index }, 'worker returned without being asked to stop; restarting');
            this.retire(slot);
          }
        } catch (err) {
          if (this.stopping) break;
          slot.restarts += 1;
          const delayMs = backoffDelay(config.retry, Math.min(slot.restarts, 10));
          log.error({ worker: slot.index, restarts: slot.restarts, delayMs, err }, 'worker failed; restarting after backoff');
          ready();
          this.retire(slot);
          // stop() cuts the wait short: a backoff must not add to the shutdown time.
          await new Promise<void>((resolve) => {
            const wake = () => { clearTimeout(timer); this.wakers.delete(wake); resolve(); };
            const timer = setTimeout(wake, delayMs);
            this.wakers.add(wake);
          });
        } finally {
          slot.alive = false;
          slot.board = undefined;
          port1.close();
          if (slot.threadId !== undefined) await workerLogsDrained(slot.threadId, 500);
        }
      }
    };
    slot.running = run();
  }

  private retire(slot: Slot): void {
    slot.partitions = [];
    // Counters and histograms keep an ended thread's last numbers so they never go back; a gauge
    // (customers in rule state) describes a thread that is gone, and is dropped.
    if (slot.metrics !== undefined) this.retiredMetrics.push(slot.metrics.filter((m) => String(m.type) !== 'gauge'));
    slot.metrics = undefined;
  }

  /** Summed counters of all workers, past and present, plus health per worker. */
  snapshot(): { totals: PipelineTotals; restarts: number; workers: Array<{ index: number; restarts: number; partitions: number[] }> } {
    return {
      totals: totalsOf(this.metricsJson()),
      restarts: this.slots.reduce((n, s) => n + s.restarts, 0),
      workers: this.slots.map((s) => ({ index: s.index, restarts: s.restarts, partitions: s.partitions })),
    };
  }

  /** Health of each worker thread. */
  health(now = Date.now()): WorkerHealth[] {
    return this.slots.map((s) => ({
      index: s.index, up: s.alive && now - s.lastSeenAt < SILENT_AFTER_MS, restarts: s.restarts,
      partitions: s.partitions, consumed: s.metrics === undefined ? 0 : totalsOf([s.metrics]).consumed, lastSeenAt: s.lastSeenAt,
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

  /**
   * Asks every worker to stop (they finish and commit their current chunk), awaits them, destroys
   * the pool. A worker not done within `graceMs` (default: half of shutdown.timeoutMs, so the rest of
   * the shutdown still fits) is terminated: its uncommitted messages go to the next consumer.
   */
  async stop(graceMs = this.options.config.shutdown.timeoutMs / 2): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) slot.port?.postMessage({ type: 'stop' } satisfies ToWorker);
    for (const wake of [...this.wakers]) wake();
    const all = Promise.all(this.slots.map((s) => s.running));
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([all.then(() => false), new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), graceMs); })]);
    clearTimeout(timer);
    if (late) {
      const stuck = this.slots.filter((s) => s.alive);
      this.options.log.error({ workers: stuck.map((s) => s.index), graceMs }, 'workers did not stop in time; terminating them');
      for (const slot of stuck) slot.abort?.abort(new Error('worker did not stop in time'));
      await all;
    }
    clearInterval(this.watchdog);
    await this.pool.destroy();
  }
}
