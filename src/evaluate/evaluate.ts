// `heartbeat evaluate` without the I/O: replay a simulated span through the rules, then score it.
//
//   simulateSpan ──messages──▶ processBatch (rules) ──anomalies──▶ alerts ──┐
//        └────────────── injected episodes ─────────────────────────────────┴─▶ score ─▶ Evaluation
import type { EngineOptions } from '../rules/engine.js';
import type { LoadedPlugin } from '../rules/loader.js';
import type { SimulatorOptions } from '../simulator/simulator.js';
import { replay } from './replay.js';
import { ruleSpecs } from './rule-specs.js';
import { score, type Evaluation, type ScoreSettings } from './score.js';

/** A fixed midnight (UTC), so the default run always covers the same nights and days. */
export const DEFAULT_START_MS = Date.parse('2026-11-23T00:00:00Z');

/** What to evaluate. Defaults: 1,000 customers, 24 h from DEFAULT_START_MS, one reading per customer per 10 s. */
export interface EvaluateOptions extends ScoreSettings {
  plugins: readonly LoadedPlugin[];
  engine: EngineOptions;
  customers?: number;
  hours?: number;
  startMs?: number;
  intervalMs?: number;
  /** Seed and shares of the simulator (rate and episode log are not used). */
  simulator?: Omit<SimulatorOptions, 'customers' | 'rate' | 'startMs' | 'episodeLog' | 'keepEpisodes' | 'onEpisode'>;
  partitions?: number;
  onProgress?: (eventTime: number) => void;
  signal?: AbortSignal;
}

/** Replays and scores; deterministic for the same options. */
export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  const { plugins, engine, customers = 1000, hours = 24, startMs = DEFAULT_START_MS, intervalMs = 10_000, simulator = {}, partitions, onProgress, signal } = options;
  const result = await replay({
    plugins, engine, partitions, onProgress, signal,
    span: { ...simulator, customers, startMs, durationMs: Math.round(hours * 3_600_000), intervalMs },
  });
  return score(result, ruleSpecs(plugins, engine.allowedLatenessMs), { cooldownMs: options.cooldownMs, toleranceMs: options.toleranceMs });
}
