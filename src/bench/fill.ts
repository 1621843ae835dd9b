// Fills a topic with R simulated readings before a drain is timed: the simulator's mix (episodes,
// sensor faults, 0.5 % out of range, 0.5 % malformed) from C ideal devices reporting every second
// (always worn, so R readings need a known span of event time and runs stay comparable), with
// event times in the recent past, published with the app's own producer.
import { createPublisher } from '../kafka/producer.js';
import { simulateSpan } from '../simulator/span.js';
import type { BenchEnv } from './environment.js';

/** What was published: every message, and how many must be stored or rejected. */
export interface FillResult {
  total: number;
  valid: number;
  bad: number;
  seconds: number;
}

const INTERVAL_MS = 1000;

/** Publishes `readings` messages to `topic`. */
export async function fillTopic(env: BenchEnv, topic: string, readings: number, customers: number, seed: number): Promise<FillResult> {
  // Enough event time for R messages even with silent devices, ending a minute ago.
  const durationMs = Math.ceil((readings / customers) * 1.2 + 10) * INTERVAL_MS;
  const startMs = Date.now() - durationMs - 60_000;
  const publisher = await createPublisher(env.kafka('bench-fill'), env.config.kafka);
  const t0 = Date.now();
  const result = { total: 0, valid: 0, bad: 0 };
  try {
    for (const { messages } of simulateSpan({ customers, seed, startMs, durationMs, intervalMs: INTERVAL_MS, batchSize: 20_000, devices: 'ideal' })) {
      const batch = messages.slice(0, readings - result.total);
      for (const m of batch) {
        if (m.kind === 'valid') result.valid++;
        else result.bad++;
      }
      result.total += batch.length;
      await publisher.send(topic, batch.map((m) => ({ key: m.key, value: m.value })));
      if (result.total >= readings) break;
    }
  } finally {
    await publisher.disconnect();
  }
  if (result.total < readings) throw new Error(`the simulator made ${result.total} messages, fewer than ${readings}`);
  return { ...result, seconds: (Date.now() - t0) / 1000 };
}
