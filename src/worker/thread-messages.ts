// What the orchestrator and a consumer thread tell each other: the task a thread runs, and the
// messages over its port in both directions. Its own module so neither side imports the other's
// code (the orchestrator starts the threads; the thread knows nothing of the pool).
import type { MessagePort } from 'node:worker_threads';
import type { AppConfig } from '../config.js';
import type { MetricsJson } from '../metrics/worker-metrics.js';
import type { Alert } from './alerts.js';

/** A message the workers must reject instead of processing: plugin_timeout:<pluginId>. */
export interface QuarantineEntry {
  partition: number;
  offset: string;
  pluginId: string;
}

/** What the orchestrator sends a worker thread. */
export type ToWorker =
  | { type: 'stop' }
  /** Messages to reject as plugin_timeout:<id> from now on (the whole list so far). */
  | { type: 'quarantine'; entries: QuarantineEntry[] };

/** What a worker thread sends back over its port. */
export type FromWorker =
  | { type: 'ready'; threadId: number }
  /** The plugin ids in RuleEngine.stats() order: the call board names a plugin by its index there. */
  | { type: 'plugins'; ids: string[] }
  /**
   * Every second and on stopping: the thread's partitions and its metrics registry as JSON, where
   * everything it counts is (the orchestrator's totals, stats lines and /metrics are read from it).
   */
  | { type: 'stats'; partitions: number[]; metrics: MetricsJson }
  /** A new anomaly was published to the alerts topic (forwarded to the dashboard at once). */
  | { type: 'alert'; alert: Alert };

/** The task each thread runs until told to stop. */
export interface WorkerTask {
  config: AppConfig;
  index: number;
  port: MessagePort;
  /** The thread's call board (CallBoard.buffer), read by the watchdog. */
  board: SharedArrayBuffer;
  /** Messages quarantined before this task started. */
  quarantine: QuarantineEntry[];
}
