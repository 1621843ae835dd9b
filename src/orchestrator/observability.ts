// Brings up what lets people see the pipeline: /metrics (the workers' summed metrics, lag, health),
// a poller of consumer lag per partition, and the live dashboard with its own small pool.
import type { AppConfig } from '../config.js';
import { createLiveFeedFor } from '../dashboard/live-feed.js';
import { startDashboard, type Dashboard } from '../dashboard/server.js';
import { createKafka } from '../kafka/client.js';
import { createLagReader } from '../kafka/lag.js';
import type { Logger } from '../log.js';
import { PipelineMetrics } from '../metrics/registry.js';
import { createPool } from '../store/pool.js';
import type { WorkerPool } from './worker-pool.js';

/** Starts metrics, lag polling and the dashboard; resolves with the dashboard and the stop of it all. */
export async function startObservability(config: AppConfig, pool: WorkerPool, log: Logger): Promise<{ dashboard: Dashboard; stop: () => Promise<void> }> {
  const olog = log.child({ component: 'dashboard' });
  const metrics = new PipelineMetrics(pool);
  const lag = createLagReader(createKafka(config, log, 'dashboard'), config.kafka.groupId, config.kafka.topics.readings);
  let lagFailures = 0;
  const pollLag = async () => {
    try {
      metrics.setLag(await lag.read());
      lagFailures = 0;
    } catch (err) {
      // One line per outage, not one per poll.
      if ((lagFailures += 1) === 1) olog.warn({ err }, 'consumer lag not readable; retrying');
    }
  };
  void pollLag();
  const lagTimer = setInterval(() => void pollLag(), config.dashboard.lagIntervalMs);
  const db = await createPool(config, log, { max: 2 });
  const dashboard = await startDashboard({
    config: config.dashboard, feed: createLiveFeedFor(db, pool, metrics), metrics, log, onAlert: (l) => pool.onAlert(l),
  }).catch(async (err: unknown) => {
    clearInterval(lagTimer);
    await Promise.allSettled([lag.close(), db.end()]);
    throw err;
  });
  return {
    dashboard,
    async stop() {
      clearInterval(lagTimer);
      await dashboard.stop();
      await Promise.allSettled([lag.close(), db.end()]);
    },
  };
}
