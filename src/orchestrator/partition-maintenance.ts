// Keeps the daily partitions of `heartbeats` ahead of the clock and drops them past retention:
// once at start (so the first readings land in their day's partition) and then every hour.
import type { AppConfig } from '../config.js';
import type { Logger } from '../log.js';
import { maintainPartitions } from '../store/partitions.js';
import { createPool } from '../store/pool.js';

const HOUR_MS = 60 * 60 * 1000;

/** Runs maintenance now and hourly; returns the stop function. */
export async function startPartitionMaintenance(config: AppConfig, log: Logger): Promise<() => Promise<void>> {
  const plog = log.child({ component: 'partitions' });
  const pool = await createPool(config, log, { max: 1 });
  const run = async () => {
    try {
      const report = await maintainPartitions(pool, config.database.partitions);
      if (report.created.length + report.dropped.length > 0) plog.info(report, 'partitions maintained');
    } catch (err) {
      // Not fatal: readings still land in the default partition until the next run succeeds.
      plog.error({ err }, 'partition maintenance failed');
    }
  };
  await run();
  // Hourly rather than daily: a missed run (database briefly away) is retried soon.
  const timer = setInterval(() => void run(), HOUR_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await pool.end();
  };
}
