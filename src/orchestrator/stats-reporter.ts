// Logs the workers' summed counters and rates every few seconds, so `npm start` and logs/ show
// the stream moving (readings consumed, stored, rejected, anomalies, restarts).
import type { Logger } from '../log.js';
import type { WorkerPool } from './worker-pool.js';

/** Starts periodic reporting; returns the stop function. */
export function startStatsReporter(pool: WorkerPool, log: Logger, intervalMs = 10_000): () => Promise<void> {
  let last = pool.snapshot().totals;
  let lastAt = Date.now();
  const report = () => {
    const snap = pool.snapshot();
    const now = Date.now();
    const seconds = (now - lastAt) / 1000;
    const perSecond = Math.round((snap.totals.consumed - last.consumed) / seconds);
    log.info({ ...snap.totals, perSecond, restarts: snap.restarts, workers: snap.workers }, 'pipeline stats');
    last = snap.totals;
    lastAt = now;
  };
  const timer = setInterval(report, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    report();
  };
}
