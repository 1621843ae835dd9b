// The threshold sweep behind `heartbeat evaluate --plot`: for a handful of values of each rule's
// main option, alerts per customer-day on the recordings against recall on the simulator. Each
// variant runs only the validators and the one rule it varies (rules do not feed each other), and
// all variants share one read of the recordings, so the cost is one read plus a small replay each.
import type { PluginSettings } from '../config-schema.js';
import type { EngineOptions } from '../rules/engine.js';
import { loadPlugins, type LoadedPlugin } from '../rules/loader.js';
import type { SimulatorOptions } from '../simulator/simulator.js';
import { scoreData } from './data-score.js';
import { evaluate } from './evaluate.js';
import { replayRecordings } from './recordings.js';

/** The option swept for a rule and its values (bpm). */
export interface SweptOption {
  rule: string;
  option: string;
  values: readonly number[];
}

/**
 * What is swept. Values stay on the allowed side of each rule's other options at their defaults
 * (bradycardia's criticalBelowBpm 40, tachycardia's criticalAboveBpm 150).
 */
export const SWEPT: readonly SweptOption[] = [
  { rule: 'tachycardia', option: 'aboveBpm', values: [100, 105, 110, 120, 130, 140, 150] },
  { rule: 'bradycardia', option: 'belowBpm', values: [40, 45, 50, 55] },
];

/**
 * The simulator replay per variant is bounded to this many customers and hours: 25 customer-days
 * inject some sixty episodes of each kind, enough for a recall to two digits, at a twentieth of the
 * cost of the full day of 1,000 customers (each variant replays it again).
 */
export const SWEEP_MAX_CUSTOMERS = 100;
export const SWEEP_MAX_HOURS = 6;

/** One point of the trade-off. */
export interface SweepPoint {
  rule: string;
  option: string;
  value: number;
  alertsPerCustomerDay: number;
  rowsPerCustomerDay: number;
  /** On the simulator; null when no episode of the rule's kind was injected. */
  recall: number | null;
}

/** Options of sweepThresholds. */
export interface SweepOptions {
  files: readonly string[];
  pluginsDir: string;
  settings: Readonly<Record<string, PluginSettings>>;
  engine: EngineOptions;
  cooldownMs: number;
  sampleDays?: number;
  simulated: { customers: number; hours: number; startMs: number; simulator: Omit<SimulatorOptions, 'customers' | 'rate' | 'startMs' | 'episodeLog' | 'keepEpisodes' | 'onEpisode'> };
  /** What to sweep (default SWEPT); rules not loaded (absent or disabled) are left out. */
  swept?: readonly SweptOption[];
  signal?: AbortSignal;
  /** Told after the recordings are read, and after each variant's simulator replay (progress). */
  onProgress?: (step: { readings?: number; point?: SweepPoint }) => void;
}

/** The validators and the one rule, with `option` = `value` over the configured options. */
async function variantPlugins(o: SweepOptions, swept: SweptOption, value: number): Promise<LoadedPlugin[]> {
  const own = o.settings[swept.rule];
  const settings = { ...o.settings, [swept.rule]: { ...own, options: { ...own?.options, [swept.option]: value } } };
  return (await loadPlugins(o.pluginsDir, settings)).filter((p) => p.meta.kind === 'validator' || p.meta.id === swept.rule);
}

/** Runs the sweep: one point per (rule, value), in SWEPT order. */
export async function sweepThresholds(o: SweepOptions): Promise<SweepPoint[]> {
  const loaded = new Set((await loadPlugins(o.pluginsDir, o.settings)).map((p) => p.meta.id));
  const cases: Array<{ swept: SweptOption; value: number; plugins: LoadedPlugin[] }> = [];
  for (const swept of (o.swept ?? SWEPT).filter((s) => loaded.has(s.rule))) {
    for (const value of swept.values) cases.push({ swept, value, plugins: await variantPlugins(o, swept, value) });
  }
  const data = await replayRecordings(o.files, cases.map((c) => ({ plugins: c.plugins, engine: o.engine })), {
    sampleDays: o.sampleDays, signal: o.signal, onProgress: (readings) => { if (readings % 100_000 === 0) o.onProgress?.({ readings }); },
  });
  const points: SweepPoint[] = [];
  for (const [i, c] of cases.entries()) {
    const scored = scoreData(data, i, [c.swept.rule], { files: o.files, cooldownMs: o.cooldownMs, sampleDays: o.sampleDays });
    const simulated = await evaluate({ plugins: c.plugins, engine: o.engine, cooldownMs: o.cooldownMs, signal: o.signal, ...o.simulated });
    const point = {
      rule: c.swept.rule, option: c.swept.option, value: c.value, alertsPerCustomerDay: scored.total.alertsPerCustomerDay,
      rowsPerCustomerDay: scored.total.rowsPerCustomerDay, recall: simulated.rules.find((r) => r.rule === c.swept.rule)?.recall ?? null,
    };
    points.push(point);
    o.onProgress?.({ point });
  }
  return points;
}

/** The sweep as a small table (the plot's numbers, for a terminal). */
export function formatSweep(points: readonly SweepPoint[]): string {
  const lines = ['rule            option        value  alerts/cust-day  rows/cust-day  recall (simulator)'];
  for (const p of points) {
    lines.push(`${p.rule.padEnd(16)}${p.option.padEnd(12)}${String(p.value).padStart(7)}${p.alertsPerCustomerDay.toFixed(3).padStart(17)}` +
      `${p.rowsPerCustomerDay.toFixed(2).padStart(15)}${(p.recall === null ? '-' : p.recall.toFixed(3)).padStart(20)}`);
  }
  return lines.join('\n');
}
