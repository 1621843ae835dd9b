// Runs the simulator in real time and publishes its batches to the readings topic (the producer
// side of `heartbeat start` and `heartbeat simulate`). Only the Publisher interface is used here;
// kafkajs stays in src/kafka/.
import type { AppConfig } from '../config.js';
import type { Publisher } from '../kafka/producer.js';
import type { Logger } from '../log.js';
import { withRetry } from '../retry.js';
import { pace } from './pacer.js';
import { createSimulator, simulatorOptionsFromConfig } from './simulator.js';

export interface RunningSimulator {
  /** Messages acknowledged by the brokers so far. */
  published(): number;
  /** Stops producing; resolves after the batch in flight is acknowledged. */
  stop(): Promise<void>;
}

/** Sends in flight at once; the next batch is made while they are. */
const MAX_SENDS_IN_FLIGHT = 4;

/** Starts publishing simulated readings at simulator.rate per second. */
export function startPublisherLoop(config: AppConfig, publisher: Publisher, log: Logger): RunningSimulator {
  // Episodes go to simulator.episodeLog when set; not kept in memory in an endless run.
  const sim = createSimulator({ ...simulatorOptionsFromConfig(config.simulator), keepEpisodes: false });
  const controller = new AbortController();
  const topic = config.kafka.topics.readings;
  let published = 0;
  log.info({ customers: sim.customers, rate: sim.rate, seed: config.simulator.seed, topic }, 'simulator publishing');

  // Sends overlap the making of the next batch: awaiting each send before making the next put
  // the simulator behind its clock at every slow round trip, and the backlog came out one batch
  // per round trip; at 10,000 readings/s it ran seconds late (figures in BENCHMARKS.md), which
  // counts as pipeline latency downstream. The idempotent producer still sends one request per broker at a
  // time, in order; only a send that fails past kafkajs's own retries is retried here and may
  // land after later ones (its readings then arrive late, not lost).
  const inFlight = new Set<Promise<void>>();
  const publish = async (messages: Array<{ key: string; value: Buffer }>) => {
    try {
      await withRetry('publish readings', () => publisher.send(topic, messages), config.retry, log, { signal: controller.signal });
      published += messages.length;
    } catch (err) {
      if (controller.signal.aborted) return;
      // Simulated readings the broker never accepted were never data; keep the simulator going.
      log.error({ err, lost: messages.length }, 'simulated batch not published');
    }
  };
  const loop = (async () => {
    // A batch holds what fell due since the last one: a few tens of readings on time, up to
    // half a second's worth when catching up.
    for await (const batch of pace(sim, { signal: controller.signal, maxBatch: Math.max(100, Math.ceil(sim.rate / 2)) })) {
      const sending = publish(batch.map((m) => ({ key: m.key, value: m.value })));
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
      // Bounded, so a broker that is away stops the simulator instead of filling memory.
      if (inFlight.size >= MAX_SENDS_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  })();

  return {
    published: () => published,
    async stop() {
      controller.abort();
      await loop;
      sim.close();
      log.info({ published, episodes: sim.episodeCount }, 'simulator stopped');
    },
  };
}
