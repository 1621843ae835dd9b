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

/** Starts publishing simulated readings at simulator.rate per second. */
export function startPublisherLoop(config: AppConfig, publisher: Publisher, log: Logger): RunningSimulator {
  // Episodes go to simulator.episodeLog when set; not kept in memory in an endless run.
  const sim = createSimulator({ ...simulatorOptionsFromConfig(config.simulator), keepEpisodes: false });
  const controller = new AbortController();
  const topic = config.kafka.topics.readings;
  let published = 0;
  log.info({ customers: sim.customers, rate: sim.rate, seed: config.simulator.seed, topic }, 'simulator publishing');

  const loop = (async () => {
    for await (const batch of pace(sim, { signal: controller.signal, maxBatch: Math.max(100, Math.ceil(sim.rate / 10)) })) {
      const messages = batch.map((m) => ({ key: m.key, value: m.value }));
      try {
        await withRetry('publish readings', () => publisher.send(topic, messages), config.retry, log, { signal: controller.signal });
        published += messages.length;
      } catch (err) {
        if (controller.signal.aborted) break;
        // Simulated readings the broker never accepted were never data; keep the simulator going.
        log.error({ err, lost: messages.length }, 'simulated batch not published');
      }
    }
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
