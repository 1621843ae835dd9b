// Entry point of `heartbeat start` (and of `simulate` and `consume`): wires the parts together.
//
//   ensureKafka ──► resolveDatabase ──► migrate ──► ensureTopics ──► loadPlugins (fail fast)
//        │                │                                               │
//   (local broker    (embedded PG                                         ▼
//    if none          if none)               WorkerPool: N piscina threads, one consumer each
//    answers)                                 Kafka ─► parse/validate/rules ─► PostgreSQL ─► commit
//                                                                         ▲
//                                            Simulator ─► Kafka (readings topic) ─┘
//   Dashboard + /metrics (http://127.0.0.1:8080/): the workers' counters, lag, PostgreSQL views;
//   workers publish new anomalies to the alerts topic and forward them to the dashboard.
//
// Every part registers its stop with the lifecycle as it starts; shutdown runs them in reverse:
// simulator, workers (finish and commit their chunk), database, broker.
import { availableParallelism } from 'node:os';
import type { CommandContext } from './command-context.js';
import { createKafka } from '../kafka/client.js';
import { ensureKafka } from '../kafka/local-broker.js';
import { createPublisher } from '../kafka/producer.js';
import { ensureTopics } from '../kafka/topics.js';
import { loadPlugins } from '../rules/loader.js';
import { migrate } from '../store/migrate.js';
import { resolveDatabase } from '../store/resolve-database.js';
import { startPublisherLoop } from '../simulator/publisher-loop.js';
import { checkDashboardConfig } from '../dashboard/access.js';
import { startObservability } from './observability.js';
import { startPartitionMaintenance } from './partition-maintenance.js';
import { startStatsReporter } from './stats-reporter.js';
import { WorkerPool } from './worker-pool.js';

export interface StartParts {
  workers: boolean;
  simulator: boolean;
}

/** Brings everything up; resolves once running. The lifecycle stops it all on a signal. */
export async function start(ctx: CommandContext, parts: StartParts): Promise<void> {
  const { lifecycle, sources } = ctx;
  const log = ctx.log.child({ component: 'orchestrator' });
  const signal = lifecycle.signal;
  // A dashboard that would expose health data without a token stops start-up before anything runs.
  if (parts.workers) checkDashboardConfig(ctx.config.dashboard);
  let dashboardUrl: string | undefined;

  const kafka = await ensureKafka(ctx.config, ctx.log, { signal });
  lifecycle.defer('kafka', () => kafka.stop());
  // From here on every part talks to the brokers that actually answered.
  let config = { ...ctx.config, kafka: { ...ctx.config.kafka, brokers: kafka.brokers } };

  if (parts.workers) {
    const database = await resolveDatabase(config, sources, ctx.log, { signal });
    lifecycle.defer('database', () => database.stop());
    config = { ...config, database: { ...config.database, url: database.url } };
    await migrate(database.url, config, ctx.log);
    lifecycle.defer('partition maintenance', await startPartitionMaintenance(config, ctx.log));
  }
  await ensureTopics(config, ctx.log, { signal });
  Object.freeze(config);

  if (parts.workers) {
    // Broken plugins stop start-up here, with the file and the problem, not on the first message.
    const plugins = await loadPlugins(config.plugins.dir, config.plugins.settings);
    log.info({ plugins: plugins.map((p) => p.meta.id) }, 'plugins loaded');
    const count = config.workers.count === 0 ? availableParallelism() : config.workers.count;
    const pool = new WorkerPool({ config, count, filename: new URL('../worker/thread-entry.js', import.meta.url).href, log });
    lifecycle.defer('workers', () => pool.stop());
    await pool.start();
    log.info({ workers: count, groupId: config.kafka.groupId, topic: config.kafka.topics.readings }, 'workers consuming');
    lifecycle.defer('stats', startStatsReporter(pool, log));
    if (config.dashboard.enabled) {
      const observability = await startObservability(config, pool, ctx.log);
      lifecycle.defer('dashboard', observability.stop);
      dashboardUrl = observability.dashboard.url;
    }
  }
  if (parts.simulator) {
    const slog = ctx.log.child({ component: 'simulator' });
    const publisher = await createPublisher(createKafka(config, ctx.log, 'simulator'), config.kafka);
    const simulator = startPublisherLoop(config, publisher, slog);
    lifecycle.defer('simulator', async () => {
      await simulator.stop();
      await publisher.disconnect();
    });
  }
  log.info({ brokers: kafka.brokers, startedBroker: kafka.startedLocally, dashboard: dashboardUrl }, 'heartbeat running; Ctrl-C stops it');
  if (dashboardUrl !== undefined && process.stdout.isTTY) {
    const hint = config.dashboard.token === '' ? '' : ' (add ?token=<dashboard.token> once)';
    process.stdout.write(`\n  Dashboard: ${dashboardUrl}${hint}\n  Metrics:   ${dashboardUrl}metrics\n\n`);
  }
}
