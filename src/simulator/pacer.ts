// Real-time driving of a simulator: yields batches as their slots fall due on a clock, so the
// rate holds on average (the schedule is absolute, so waiting late never makes it drift).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Simulator } from './simulator.js';
import type { SimMessage } from './types.js';

/** Time source of the pacer; tests inject one that advances on sleep, with no real waiting. */
export interface PacerClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock. */
export const systemClock: PacerClock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    try {
      await sleep(ms, undefined, { signal });
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
  },
};

/** Options of pace. */
export interface PaceOptions {
  /** Most messages in one batch (default 5,000). */
  maxBatch?: number;
  /** Stops the generator (also ends a wait in progress). */
  signal?: AbortSignal;
  clock?: PacerClock;
  /** Least wait between two batches (ms, default 5): groups readings into fewer, larger sends. */
  minWaitMs?: number;
}

/**
 * Yields the simulator's batches as they fall due. When the consumer of the batches falls
 * behind, the backlog comes out in full batches without waiting, keeping its event times.
 *
 *   for await (const batch of pace(sim, { signal })) await publisher.send(topic, batch);
 */
export async function* pace(sim: Simulator, options: PaceOptions = {}): AsyncGenerator<SimMessage[]> {
  const clock = options.clock ?? systemClock;
  const maxBatch = options.maxBatch ?? 5000;
  const minWaitMs = options.minWaitMs ?? 5;
  const signal = options.signal;
  while (signal?.aborted !== true) {
    const now = clock.now();
    const wait = sim.msUntilNext(now);
    if (wait > 0) {
      await clock.sleep(Math.max(wait, minWaitMs), signal);
      continue;
    }
    const batch = sim.nextBatch(now, maxBatch);
    if (batch.length > 0) yield batch;
  }
}
