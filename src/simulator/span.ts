// Simulated-time driving of a simulator: walks a span of event time as fast as it can, in
// batches, so an offline evaluator can stream a day of readings without holding it in memory.
import { createSimulator, type SimulatorOptions } from './simulator.js';
import type { EpisodeRecord, SimMessage } from './types.js';

/** Options of simulateSpan: the simulator's, with a span and a per-customer interval instead of a rate. */
export interface SpanOptions extends Omit<SimulatorOptions, 'rate' | 'startMs' | 'onEpisode' | 'keepEpisodes'> {
  startMs: number;
  durationMs: number;
  /** Time between two readings of one customer (ms, default 10,000). */
  intervalMs?: number;
  /** Most messages per batch (default 10,000). */
  batchSize?: number;
}

/** One batch of a span: messages in event-time order, and the episodes that started in it. */
export interface SpanBatch {
  messages: SimMessage[];
  /** Episode records first seen in this batch (each comes before any of its readings). */
  episodes: EpisodeRecord[];
}

/**
 * Generates every reading with an event time in [startMs, startMs + durationMs), in
 * event-time order. The same options give byte-identical messages and the same episodes,
 * whatever the batch size.
 */
export function* simulateSpan(options: SpanOptions): Generator<SpanBatch, void, undefined> {
  const { startMs, durationMs, intervalMs = 10_000, batchSize = 10_000, ...rest } = options;
  const customers = rest.customers ?? 1000;
  const pending: EpisodeRecord[] = [];
  const sim = createSimulator({
    ...rest, customers, startMs, rate: (customers * 1000) / intervalMs,
    keepEpisodes: false, onEpisode: (record) => pending.push(record),
  });
  const endMs = startMs + durationMs;
  try {
    for (;;) {
      const messages = sim.nextBatchBefore(endMs, batchSize);
      if (messages.length === 0 && pending.length === 0) return;
      yield { messages, episodes: pending.splice(0) };
    }
  } finally {
    sim.close();
  }
}
