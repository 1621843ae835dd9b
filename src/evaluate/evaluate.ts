// `heartbeat evaluate` without the I/O: replay a simulated span through the rules, then score it.
//
//   simulateSpan ──messages──▶ processChunk (rules) ──anomalies──▶ alerts ──┐
//        └────────────── injected episodes ─────────────────────────────────┴─▶ score ─▶ Evaluation
import type { EngineOptions } from '../rules/engine.js';
import type { LoadedPlugin } from '../rules/loader.js';
import { MEAN_SLOTS_PER_READING } from '../simulator/generator.js';
import type { SimulatorOptions } from '../simulator/simulator.js';
import { replay } from './replay.js';
import { ruleSpecs } from './rule-specs.js';
import { score, type Evaluation, type ScoreSettings } from './score.js';

/** A fixed midnight (UTC), so the default run always covers the same nights and days. */
export const DEFAULT_START_MS = Date.parse('2026-11-23T00:00:00Z');

/**
 * Consumer devices' mean interval between readings, as in the recordings (5, 10 or 15 s apart on a
 * 5-s grid); ideal devices read every 10 s.
 */
const CONSUMER_INTERVAL_MS = 5_000 * MEAN_SLOTS_PER_READING;
const IDEAL_INTERVAL_MS = 10_000;

/** What to evaluate. Defaults: 1,000 customers, 24 h from DEFAULT_START_MS, consumer devices (see above). */
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
  const { plugins, engine, customers = 1000, hours = 24, startMs = DEFAULT_START_MS, simulator = {}, partitions, onProgress, signal } = options;
  const intervalMs = options.intervalMs ?? ((simulator.devices ?? 'consumer') === 'consumer' ? CONSUMER_INTERVAL_MS : IDEAL_INTERVAL_MS);
  const result = await replay({
    plugins, engine, partitions, onProgress, signal,
    span: { ...simulator, customers, startMs, durationMs: Math.round(hours * 3_600_000), intervalMs },
  });
  return score(result, ruleSpecs(plugins, engine.allowedLatenessMs), { cooldownMs: options.cooldownMs, toleranceMs: options.toleranceMs });
}
