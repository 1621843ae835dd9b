// `heartbeat evaluate`: replays a simulated day through the configured rules (the pure core: no
// Kafka, no database), prints the alert-quality table and one JSON line, and fails when a target is
// missed. With --data, also runs recordings (unlabeled) through the same rules and prints how often
// a person would be alerted; with --plot, sweeps each rule's threshold and draws the trade-off.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { CommandContext } from './command-context.js';
import { AppError, UsageError } from '../errors.js';
import { scoreData, type DataEvaluation } from '../evaluate/data-score.js';
import { DEFAULT_START_MS, evaluate } from '../evaluate/evaluate.js';
import { tradeOffSvg } from '../evaluate/plot.js';
import { replayRecordings } from '../evaluate/recordings.js';
import { formatDataTable, formatTable, toDataJsonLine, toJsonLine } from '../evaluate/report.js';
import { ruleSpecs } from '../evaluate/rule-specs.js';
import { formatSweep, sweepThresholds, SWEEP_MAX_CUSTOMERS, SWEEP_MAX_HOURS } from '../evaluate/sweep.js';
import { formatProfiles } from '../evaluate/traffic-profile.js';
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

/** `--data a b c` arrives as the flag's value (a) and operands (b c). */
function dataFiles(ctx: CommandContext): string[] {
  const first = ctx.options.data;
  if (first === undefined && ctx.operands.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(ctx.operands[0])}: recordings go after --data`);
  if (first === undefined && ctx.options.plot !== undefined) throw new UsageError('--plot needs recordings: give them with --data <file>...');
  if (first === undefined && ctx.options['sample-days'] !== undefined) throw new UsageError('--sample-days needs recordings: give them with --data <file>...');
  return first === undefined ? [] : [first, ...ctx.operands];
}

export async function evaluateCommand(ctx: CommandContext): Promise<void> {
  const log = ctx.log.child({ component: 'evaluate' });
  const files = dataFiles(ctx);
  const customers = flag(ctx, 'customers', 1000, (n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000, 'an integer from 1 to 1000000');
  const hours = flag(ctx, 'hours', 24, (n) => Number.isFinite(n) && n > 0 && n <= 24 * 31, 'a number of hours above 0, at most 744');
  const { seed: configSeed, anomalyShare, faultShare, outOfRangeShare, malformedShare, devices } = simulatorOptionsFromConfig(ctx.config.simulator);
  const seed = flag(ctx, 'seed', configSeed ?? 42, (n) => Number.isInteger(n) && n >= 0 && n <= 2_147_483_647, 'an integer from 0 to 2147483647');
  const sampleDaysRaw = flag(ctx, 'sample-days', 0, (n) => Number.isInteger(n) && n >= 1 && n <= 100_000, 'an integer from 1 to 100000');
  const sampleDays = sampleDaysRaw === 0 ? undefined : sampleDaysRaw;
  const cooldownMs = ctx.config.alerts.cooldownMs;

  const plugins = await loadPlugins(ctx.config.plugins.dir, ctx.config.plugins.settings);
  // Alert quality is measured, not speed: on a loaded machine a validator over its budget would
  // reject readings (validators fail closed) and skew the replay. Throws still count.
  const engine = {
    ...engineOptionsFromConfig(ctx.config, (failure) => log.warn({ plugin: failure.pluginId, err: failure.error, disabled: failure.disabled }, 'plugin failed during the evaluation')),
    timeBudgetMs: Number.MAX_SAFE_INTEGER,
  };
  const simulator = { seed, anomalyShare, faultShare, outOfRangeShare, malformedShare, devices };
  log.info({ customers, hours, seed, plugins: plugins.map((p) => p.meta.id), dataFiles: files }, 'evaluation started');
  const t0 = performance.now();
  let nextReport = DEFAULT_START_MS + 6 * 3_600_000;
  const evaluation = await evaluate({
    plugins, engine, customers, hours, startMs: DEFAULT_START_MS, signal: ctx.lifecycle.signal, cooldownMs, simulator,
    onProgress: (eventTime) => {
      if (eventTime < nextReport) return;
      log.info({ simulatedHours: (nextReport - DEFAULT_START_MS) / 3_600_000 }, 'evaluation progress');
      nextReport += 6 * 3_600_000;
    },
  });
  log.info({ durationMs: Math.round(performance.now() - t0), passed: evaluation.passed }, 'evaluation finished');
  process.stdout.write(`${formatTable(evaluation)}\n${toJsonLine(evaluation)}\n`);

  let data: DataEvaluation | undefined;
  if (files.length > 0) {
    const t1 = performance.now();
    const result = await replayRecordings(files, [{ plugins, engine }], {
      sampleDays, signal: ctx.lifecycle.signal,
      onProgress: (readings) => { if (readings % 200_000 === 0) log.info({ readings }, 'recordings progress'); },
    });
    const rules = ruleSpecs(plugins, engine.allowedLatenessMs).map((s) => s.rule);
    data = scoreData(result, 0, rules, { files, cooldownMs, sampleDays });
    log.info({ durationMs: Math.round(performance.now() - t1), readings: result.readings }, 'recordings evaluated');
    process.stdout.write(`\n${formatDataTable(data, evaluation)}\n\n${formatProfiles(evaluation.traffic, result.traffic)}\n` +
      'Traffic: the simulator (heart rates outside injected episodes) next to the recordings; if they differ much, its recall predicts little about them.\n' +
      `${toDataJsonLine(data)}\n`);
  }

  const plotFile = ctx.options.plot;
  if (plotFile !== undefined) {
    const t2 = performance.now();
    const simulated = { customers: Math.min(customers, SWEEP_MAX_CUSTOMERS), hours: Math.min(hours, SWEEP_MAX_HOURS), startMs: DEFAULT_START_MS, simulator };
    const points = await sweepThresholds({
      files, pluginsDir: ctx.config.plugins.dir, settings: ctx.config.plugins.settings, engine, cooldownMs, sampleDays, simulated, signal: ctx.lifecycle.signal,
      onProgress: ({ readings, point }) => {
        if (readings !== undefined) log.info({ readings }, 'threshold sweep progress');
        if (point !== undefined) log.info({ rule: point.rule, value: point.value, recall: point.recall }, 'threshold sweep progress');
      },
    });
    await writeFile(plotFile, tradeOffSvg(points));
    const seconds = (performance.now() - t2) / 1000;
    log.info({ durationMs: Math.round(seconds * 1000), points: points.length, file: plotFile }, 'threshold sweep finished');
    process.stdout.write(`\n${formatSweep(points)}\nThreshold sweep: ${points.length} points in ${seconds.toFixed(1)} s ` +
      `(recordings${sampleDays === undefined ? '' : `, first ${sampleDays} days per customer`}; simulator: ${simulated.customers} customers x ${simulated.hours} h); plot written to ${plotFile}\n`);
  }

  const missed = [...evaluation.missed, ...(data?.missed ?? [])];
  if (missed.length > 0) {
    throw new AppError('EVALUATION_TARGETS_MISSED', `Alert-quality targets missed: ${missed.join('; ')}`);
  }
}
