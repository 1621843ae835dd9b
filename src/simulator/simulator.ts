// The simulator of wearables: a fixed schedule of reading slots (slot n at startMs + n/rate s,
// customers in turn, so each reports every customers/rate s) that batches are taken from.
import type { AppConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { EpisodeLog } from './episode-log.js';
import { ReadingGenerator } from './generator.js';
import type { EpisodeRecord, SimMessage } from './types.js';
import { DEVICE_REALISMS, type DeviceRealism } from './wear.js';

/** Options of createSimulator; defaults match the config schema's. */
export interface SimulatorOptions {
  /** Simulated customers (default 1,000). */
  customers?: number;
  /** Reading slots per second, all customers together (default 1,000). */
  rate?: number;
  /** Random seed (default 42): the same seed, customers, rate and startMs give the same bytes. */
  seed?: number;
  /** Time of the first slot, epoch ms (default: now). */
  startMs?: number;
  anomalyShare?: number;
  faultShare?: number;
  outOfRangeShare?: number;
  malformedShare?: number;
  /** Share of readings with an epoch-ms timestamp instead of ISO-8601 text (default 0.1). */
  epochTimestampShare?: number;
  /**
   * consumer (default): devices taken off the wrist at times, readings 0.5 to 1.5 intervals apart
   * (about 0.9 on average), half of them reporting no movement; ideal: always worn, one reading
   * every interval, each labelled with its activity.
   */
  devices?: DeviceRealism;
  /** JSON-lines file of the injected episodes (replaced at start). */
  episodeLog?: string;
  /** Keep the episode records in memory (default true). */
  keepEpisodes?: boolean;
  /** Called with each episode record as the episode starts. */
  onEpisode?: (record: EpisodeRecord) => void;
}

/** A running simulator. Not thread-safe; one per publisher loop. */
export interface Simulator {
  readonly customers: number;
  readonly rate: number;
  readonly startMs: number;
  /** Time between two readings of one customer (ms). */
  readonly intervalMs: number;
  /**
   * The messages of the slots due by nowMs (slot time ≤ nowMs) not yet taken, at most
   * maxCount, in event-time order. Silent devices use their slots without a message.
   */
  nextBatch(nowMs: number, maxCount: number): SimMessage[];
  /** Like nextBatch, for slots strictly before endMs: the end of a simulated span. */
  nextBatchBefore(endMs: number, maxCount: number): SimMessage[];
  /** Milliseconds from nowMs until the next slot is due (0 when one is due already). */
  msUntilNext(nowMs: number): number;
  /** Episodes injected so far (empty when keepEpisodes is false). */
  readonly episodes: readonly EpisodeRecord[];
  /** How many episode records were written so far, kept in memory or not. */
  readonly episodeCount: number;
  /** Closes the episode log file. */
  close(): void;
}

/** Simulator options from the validated config (simulator.* keys). */
export function simulatorOptionsFromConfig(config: AppConfig['simulator']): SimulatorOptions {
  const { customers, rate, seed, anomalyShare, faultShare, outOfRangeShare, malformedShare, episodeLog, devices } = config;
  return { customers, rate, seed, anomalyShare, faultShare, outOfRangeShare, malformedShare, episodeLog, devices: devices as DeviceRealism };
}

function check(ok: boolean, key: string, value: unknown, allowed: string): void {
  if (!ok) throw new ConfigError(`simulator.${key}`, `Invalid simulator option ${key} = ${JSON.stringify(value)}: allowed is ${allowed}`);
}

const isShare = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;

/** Creates a simulator; throws ConfigError for an option out of range. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const customers = options.customers ?? 1000;
  const rate = options.rate ?? 1000;
  const seed = options.seed ?? 42;
  const startMs = options.startMs ?? Date.now();
  const devices = options.devices ?? 'consumer';
  const shares = {
    anomalyShare: options.anomalyShare ?? 0.02,
    faultShare: options.faultShare ?? 0.005,
    outOfRangeShare: options.outOfRangeShare ?? 0.005,
    malformedShare: options.malformedShare ?? 0.005,
    epochTimestampShare: options.epochTimestampShare ?? 0.1,
  };
  check(Number.isInteger(customers) && customers >= 1, 'customers', customers, 'an integer of at least 1');
  check(Number.isFinite(rate) && rate > 0, 'rate', rate, 'a number above 0');
  check(Number.isInteger(seed), 'seed', seed, 'an integer');
  check(Number.isFinite(startMs), 'startMs', startMs, 'epoch milliseconds');
  check(DEVICE_REALISMS.includes(devices), 'devices', devices, DEVICE_REALISMS.join(' or '));
  for (const [key, value] of Object.entries(shares)) check(isShare(value), key, value, 'a number from 0 to 1');
  check(shares.anomalyShare + shares.faultShare <= 1, 'faultShare', shares.faultShare, 'at most 1 - anomalyShare');
  check(shares.outOfRangeShare + shares.malformedShare <= 1, 'malformedShare', shares.malformedShare, 'at most 1 - outOfRangeShare');

  // Consumer devices send on about one slot in two (generator.ts): their slots come twice as often,
  // so that a customer's readings are still about intervalMs apart on average (5-15 s for 10 s).
  const slotsPerReading = devices === 'consumer' ? 2 : 1;
  const slotMs = 1000 / (rate * slotsPerReading);
  const intervalMs = (customers * 1000) / rate;
  const log = new EpisodeLog({ file: options.episodeLog, keep: options.keepEpisodes, onEpisode: options.onEpisode });
  const generator = new ReadingGenerator({ customers, seed, startMs, intervalMs: intervalMs / slotsPerReading, devices, ...shares }, (record) => log.add(record));
  // Slot times are computed from the slot number, never accumulated: no drift over long runs.
  let slot = 0;
  let customer = 0;
  const slotTime = (n: number) => startMs + n * slotMs;

  function take(limitMs: number, inclusive: boolean, maxCount: number): SimMessage[] {
    const batch: SimMessage[] = [];
    while (batch.length < maxCount) {
      const t = slotTime(slot);
      if (inclusive ? t > limitMs : t >= limitMs) break;
      const message = generator.make(customer, Math.floor(t));
      if (message !== null) batch.push(message);
      slot++;
      if (++customer === customers) customer = 0;
    }
    return batch;
  }

  return {
    customers, rate, startMs, intervalMs,
    nextBatch: (nowMs, maxCount) => take(nowMs, true, maxCount),
    nextBatchBefore: (endMs, maxCount) => take(endMs, false, maxCount),
    msUntilNext: (nowMs) => Math.max(0, Math.ceil(slotTime(slot) - nowMs)),
    get episodes() { return log.records; },
    get episodeCount() { return log.count; },
    close: () => log.close(),
  };
}
