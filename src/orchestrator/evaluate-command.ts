// `heartbeat evaluate`: replays a simulated day through the configured rules (the pure core: no
// Kafka, no database), prints the alert-quality table and one JSON line, and fails when a target is missed.
import { performance } from 'node:perf_hooks';
import type { CommandContext } from '../cli.js';
import { AppError, UsageError } from '../errors.js';
import { DEFAULT_START_MS, evaluate } from '../evaluate/evaluate.js';
import { formatTable, toJsonLine } from '../evaluate/report.js';
import { engineOptionsFromConfig } from '../rules/engine.js';
import { loadPlugins } from '../rules/loader.js';
import { simulatorOptionsFromConfig } from '../simulator/simulator.js';

function flag(ctx: CommandContext, name: string, fallback: number, valid: (n: number) => boolean, allowed: string): number {
  const raw = ctx.options[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !valid(value)) throw new UsageError(`--${name} = ${JSON.stringify(raw)}: allowed is ${allowed}`);
  return value;
}

export async function evaluateCommand(ctx: CommandContext): Promise<void> {
  const log = ctx.log.child({ component: 'evaluate' });
  const customers = flag(ctx, 'customers', 1000, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000, 'an integer from 1 to 1000000');
  const hours = flag(ctx, 'hours', 24, (n) => Number.isFinite(n) && n > 0 && n <= 24 * 31, 'a number of hours above 0, at most 744');
  const { seed: configSeed, anomalyShare, faultShare, outOfRangeShare, malformedShare } = simulatorOptionsFromConfig(ctx.config.simulator);
  const seed = flag(ctx, 'seed', configSeed ?? 42, (n) => Number.isInteger(n) && n >= 0 && n <= 2_147_483_647, 'an integer from 0 to 2147483647');

  const plugins = await loadPlugins(ctx.config.plugins.dir, ctx.config.plugins.settings);
  // Alert quality is measured, not speed: on a loaded machine a validator over its budget would
  // reject readings (validators fail closed) and skew the replay. Throws still count.
  const engine = {
    ...engineOptionsFromConfig(ctx.config, (failure) => log.warn({ plugin: failure.pluginId, err: failure.error, disabled: failure.disabled }, 'plugin failed during the evaluation')),
    timeBudgetMs: Number.MAX_SAFE_INTEGER,
  };
  log.info({ customers, hours, seed, plugins: plugins.map((p) => p.meta.id) }, 'evaluation started');
  const t0 = performance.now();
  let nextReport = DEFAULT_START_MS + 6 * 3_600_000;
  const evaluation = await evaluate({
    plugins, engine, customers, hours, startMs: DEFAULT_START_MS, signal: ctx.lifecycle.signal, cooldownMs: ctx.config.alerts.cooldownMs,
    simulator: { seed, anomalyShare, faultShare, outOfRangeShare, malformedShare },
    onProgress: (eventTime) => {
      if (eventTime < nextReport) return;
      log.info({ simulatedHours: (nextReport - DEFAULT_START_MS) / 3_600_000 }, 'evaluation progress');
      nextReport += 6 * 3_600_000;
    },
  });
  log.info({ durationMs: Math.round(performance.now() - t0), passed: evaluation.passed }, 'evaluation finished');
  process.stdout.write(`${formatTable(evaluation)}\n${toJsonLine(evaluation)}\n`);
  if (!evaluation.passed) {
    throw new AppError('EVALUATION_TARGETS_MISSED', `Alert-quality targets missed: ${evaluation.missed.join('; ')}`);
  }
}
